#include "analytics/stream/window_aggregator.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "analytics/column_builder.h"
#include "analytics/expr/evaluate.h"
#include "analytics/ops/filter.h"
#include "analytics/ops/group_by.h"
#include "analytics/stream/where_clause.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {

namespace {

constexpr const char* kPane = "__pane";

std::string partial_name(const char* what, size_t a) {
  std::string name = "__";
  name += what;
  name += std::to_string(a);
  return name;
}

// The rows of `keep` (sorted) that are also in `selected` (sorted).
std::vector<int64_t> intersect(const std::vector<int64_t>& keep, const std::vector<int64_t>& selected) {
  std::vector<int64_t> out;
  out.reserve(std::min(keep.size(), selected.size()));
  std::set_intersection(keep.begin(), keep.end(), selected.begin(), selected.end(), std::back_inserter(out));
  return out;
}

constexpr std::string_view kSnapshotMagic = "NIMBUS-STREAM-SNAPSHOT-1\n";

uint64_t fnv1a(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (const char c : bytes) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  return h;
}

}  // namespace

WindowAggregator::WindowAggregator(StreamQuery query)
    : query_(std::move(query)), state_(query_.aggregates, query_.keys.size()) {
  NIMBUS_CHECK_T(ConfigError, query_.window.size_us > 0 && query_.window.slide_us > 0,
                 "stream: window size and slide must be positive");
  NIMBUS_CHECK_T(ConfigError, query_.lateness_us >= 0, "stream: the allowed lateness must not be negative");
  NIMBUS_CHECK_T(ConfigError, !query_.aggregates.empty(), "stream: the query has no aggregates");
  std::set<std::string> outputs{query_.window_start_name, query_.window_end_name};
  for (const auto& k : query_.keys) {
    NIMBUS_CHECK_T(ConfigError, outputs.insert(k).second, "stream: output column '", k, "' appears twice");
    NIMBUS_CHECK_T(ConfigError, k != query_.time_column, "stream: the time column '", k,
                   "' cannot also be a key (the window stands for it)");
  }
  for (const auto& a : query_.aggregates) {
    NIMBUS_CHECK_T(ConfigError, outputs.insert(a.output).second, "stream: output column '", a.output,
                   "' appears twice");
    NIMBUS_CHECK_T(ConfigError, a.input != query_.time_column || a.input.empty(), "stream: aggregate '", a.output,
                   "' reads the time column '", a.input, "'; aggregate a value column");
  }
  where_ = query_.where_expr;
  if (!where_ && !query_.where.empty()) where_ = parse_where_expression(query_.where);
}

std::map<std::string, DataType> WindowAggregator::required_column_types() const {
  std::map<std::string, DataType> types;
  types[query_.time_column] = time_column_type(query_.time_format);
  for (const auto& k : query_.keys) types[k] = DataType::string;
  for (const auto& a : query_.aggregates) {
    // count(column) counts non-NULL values of any type: its column keeps the schema's (or the
    // inferred) type, so a text column is counted, not parsed as a number.
    if (a.input.empty() || a.function == StreamAggregate::count) continue;
    const DataType t = a.integer ? DataType::int64 : DataType::float64;
    const auto [it, inserted] = types.emplace(a.input, t);
    NIMBUS_CHECK_T(ConfigError, inserted || it->second == t, "stream: column '", a.input,
                   "' is both a key (text) and an aggregate input (a number)");
  }
  return types;
}

Table WindowAggregator::partial_rows(const Table& part, BatchStats& stats, int64_t& max_time) const {
  const std::vector<int64_t> times = event_times_us(part.column(query_.time_column), query_.time_format);
  std::vector<int64_t> keep;
  keep.reserve(times.size());
  for (size_t i = 0; i < times.size(); ++i) {
    const int64_t t = times[i];
    if (t == kNoTime || !window_bounds_fit(query_.window, t)) {
      ++stats.no_time_rows;
      continue;
    }
    max_time = std::max(max_time, t);
    if (watermark_ != kNoTime && t < watermark_) {
      ++stats.late_rows;
      continue;
    }
    keep.push_back(static_cast<int64_t>(i));
  }
  if (where_) {
    const size_t before = keep.size();
    keep = intersect(keep, evaluate_predicate(where_, part));
    stats.filtered_rows += static_cast<int64_t>(before - keep.size());
  }
  std::vector<std::string> names{kPane};
  std::vector<std::string> needed;
  for (const auto& k : query_.keys) needed.push_back(k);
  for (const auto& a : query_.aggregates)
    if (!a.input.empty() && std::find(needed.begin(), needed.end(), a.input) == needed.end()) needed.push_back(a.input);
  const Table kept = filter(part.select(needed), keep);
  ColumnBuilder panes(DataType::int64);
  panes.reserve(static_cast<int64_t>(keep.size()));
  for (const int64_t row : keep) panes.append_int64(pane_start(query_.window, times[static_cast<size_t>(row)]));
  std::vector<Column> columns{panes.finish()};
  for (int64_t c = 0; c < kept.num_columns(); ++c) {
    names.push_back(kept.names()[static_cast<size_t>(c)]);
    columns.push_back(kept.column(c));
  }
  return Table(names, columns);
}

void WindowAggregator::merge_partials(const Table& groups) {
  const size_t key_count = query_.keys.size();
  const size_t aggregate_count = query_.aggregates.size();
  const int64_t* panes = groups.column(0).values<int64_t>();
  std::vector<const Column*> keys, counts, values;
  for (size_t k = 0; k < key_count; ++k) keys.push_back(&groups.column(static_cast<int64_t>(1 + k)));
  for (size_t a = 0; a < aggregate_count; ++a) {
    counts.push_back(&groups.column(partial_name("n", a)));
    const auto v = groups.find(partial_name("v", a));
    values.push_back(v ? &groups.column(*v) : nullptr);
  }
  std::vector<Accumulator> partials(aggregate_count);
  KeyValues key_values(key_count);
  for (int64_t g = 0; g < groups.num_rows(); ++g) {
    for (size_t k = 0; k < key_count; ++k) {
      if (keys[k]->is_null(g)) key_values[k].reset();
      else key_values[k] = std::string(keys[k]->string_value(g));
    }
    const std::string key = encode_key(key_values);
    for (size_t a = 0; a < aggregate_count; ++a) {
      Accumulator& p = partials[a];
      p = {};
      p.n = counts[a]->value<int64_t>(g);
      if (values[a] != nullptr && p.n > 0) {
        if (query_.aggregates[a].integer) p.i = values[a]->value<int64_t>(g);
        else p.d = values[a]->value<double>(g);
      }
    }
    const WindowRange range = windows_containing(query_.window, panes[g]);
    for (int64_t w = 0; w < range.count; ++w)
      state_.merge(range.first_start + w * query_.window.slide_us, key, partials.data());
  }
}

Table WindowAggregator::process(const std::vector<Table>& parts, BatchStats& stats) {
  int64_t max_time = kNoTime;
  std::vector<Table> partial_parts;
  for (const Table& part : parts) {
    stats.rows += part.num_rows();
    partial_parts.push_back(partial_rows(part, stats, max_time));
  }
  stats.max_event_time = max_time;
  if (!partial_parts.empty()) {
    // One table of the batch's surviving rows, then one group_by over it.
    const Table& first = partial_parts.front();
    std::vector<Column> columns;
    for (int64_t c = 0; c < first.num_columns(); ++c) {
      std::vector<Column> pieces;
      for (const Table& p : partial_parts) pieces.push_back(p.column(c));
      columns.push_back(pieces.size() == 1 ? pieces.front() : concat_columns(pieces, first.column(c).type()));
    }
    const Table rows(first.names(), columns);
    if (rows.num_rows() > 0) {
      std::vector<std::string> group_keys{kPane};
      group_keys.insert(group_keys.end(), query_.keys.begin(), query_.keys.end());
      std::vector<Aggregate> partial;
      for (size_t a = 0; a < query_.aggregates.size(); ++a) {
        const AggregateSpec& spec = query_.aggregates[a];
        if (spec.function == StreamAggregate::count_star) {
          partial.push_back({.function = AggregateFunction::count_star, .output = partial_name("n", a)});
          continue;
        }
        partial.push_back({.function = AggregateFunction::count, .input = spec.input, .output = partial_name("n", a)});
        AggregateFunction f = AggregateFunction::sum;
        if (spec.function == StreamAggregate::count) continue;
        if (spec.function == StreamAggregate::min) f = AggregateFunction::min;
        if (spec.function == StreamAggregate::max) f = AggregateFunction::max;
        partial.push_back({.function = f, .input = spec.input, .output = partial_name("v", a)});
      }
      merge_partials(group_by(rows, group_keys, partial));
    }
  }
  // The watermark moves after the batch's rows are in, so a batch that carries a window's last
  // rows and the event that closes it writes the window at once.
  if (max_time != kNoTime) {
    const int64_t candidate = max_time < INT64_MIN + query_.lateness_us + 1 ? INT64_MIN + 1 : max_time - query_.lateness_us;
    watermark_ = watermark_ == kNoTime ? candidate : std::max(watermark_, candidate);
  }
  std::vector<WindowGroup> out;
  if (query_.mode == OutputMode::append) {
    state_.clear_changed();
    if (watermark_ != kNoTime) out = state_.take_final(watermark_, query_.window.size_us);
  } else {
    out = state_.take_changed();
    if (watermark_ != kNoTime) state_.take_final(watermark_, query_.window.size_us);
  }
  stats.windows_emitted = static_cast<int64_t>(out.size());
  return output(out);
}

Table WindowAggregator::output(const std::vector<WindowGroup>& groups) const {
  const DataType bound = window_bound_type(query_.time_format);
  ColumnBuilder starts(bound), ends(bound);
  std::vector<ColumnBuilder> keys(query_.keys.size(), ColumnBuilder(DataType::string));
  std::vector<ColumnBuilder> values;
  for (const AggregateSpec& a : query_.aggregates) {
    const bool counting = a.function == StreamAggregate::count || a.function == StreamAggregate::count_star;
    const bool integer = counting || (a.integer && a.function != StreamAggregate::avg);
    values.emplace_back(integer ? DataType::int64 : DataType::float64);
  }
  for (const WindowGroup& g : groups) {
    append_window_bound(starts, g.start, query_.time_format);
    append_window_bound(ends, g.start + query_.window.size_us, query_.time_format);
    const KeyValues key = decode_key(g.key, query_.keys.size());
    for (size_t k = 0; k < key.size(); ++k) {
      if (key[k]) keys[k].append_string(*key[k]);
      else keys[k].append_null();
    }
    for (size_t a = 0; a < query_.aggregates.size(); ++a) {
      const AggregateSpec& spec = query_.aggregates[a];
      const Accumulator& acc = g.accumulators[a];
      ColumnBuilder& out = values[a];
      if (spec.function == StreamAggregate::count || spec.function == StreamAggregate::count_star) {
        out.append_int64(acc.n);
      } else if (acc.n == 0) {
        out.append_null();
      } else if (spec.function == StreamAggregate::avg) {
        out.append_float64((spec.integer ? static_cast<double>(acc.i) : acc.d) / static_cast<double>(acc.n));
      } else if (spec.integer) {
        out.append_int64(acc.i);
      } else {
        out.append_float64(acc.d);
      }
    }
  }
  std::vector<std::string> names{query_.window_start_name, query_.window_end_name};
  std::vector<Column> columns{starts.finish(), ends.finish()};
  for (size_t k = 0; k < keys.size(); ++k) {
    names.push_back(query_.keys[k]);
    columns.push_back(keys[k].finish());
  }
  for (size_t a = 0; a < values.size(); ++a) {
    names.push_back(query_.aggregates[a].output);
    columns.push_back(values[a].finish());
  }
  return Table(names, columns);
}

Table WindowAggregator::empty_output() const { return output({}); }

std::string WindowAggregator::snapshot() const {
  std::string out(kSnapshotMagic);
  out.append(reinterpret_cast<const char*>(&watermark_), sizeof watermark_);
  out += state_.serialize();
  const uint64_t sum = fnv1a(out);
  out.append(reinterpret_cast<const char*>(&sum), sizeof sum);
  return out;
}

void WindowAggregator::restore(std::string_view bytes) {
  NIMBUS_CHECK_T(ParseError, bytes.size() >= kSnapshotMagic.size() + 16 && bytes.starts_with(kSnapshotMagic),
                 "stream: not a state snapshot");
  uint64_t sum = 0;
  std::memcpy(&sum, bytes.data() + bytes.size() - sizeof sum, sizeof sum);
  const std::string_view body = bytes.substr(0, bytes.size() - sizeof sum);
  NIMBUS_CHECK_T(ParseError, fnv1a(body) == sum, "stream: the state snapshot is damaged (checksum differs)");
  std::memcpy(&watermark_, body.data() + kSnapshotMagic.size(), sizeof watermark_);
  state_.deserialize(body.substr(kSnapshotMagic.size() + sizeof watermark_));
}

}  // namespace nimbus::analytics::stream
