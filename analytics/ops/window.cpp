// window(): checks the calls, sorts once, then computes each call: the ranking
// functions from positions and peers, lag/lead and first_value/last_value as a
// gather of rows, the aggregates by window_aggregate().
#include "analytics/ops/window.h"

#include <algorithm>
#include <array>
#include <utility>

#include "analytics/column_builder.h"
#include "analytics/ops/aggregate.h"
#include "analytics/ops/column_buffers.h"
#include "analytics/ops/column_lookup.h"
#include "analytics/ops/take.h"
#include "analytics/ops/window_rows.h"

namespace nimbus::analytics {

namespace {

constexpr std::array<std::pair<WindowFunction, std::string_view>, 16> kNames{{
    {WindowFunction::row_number, "row_number"},
    {WindowFunction::rank, "rank"},
    {WindowFunction::dense_rank, "dense_rank"},
    {WindowFunction::percent_rank, "percent_rank"},
    {WindowFunction::cume_dist, "cume_dist"},
    {WindowFunction::ntile, "ntile"},
    {WindowFunction::lag, "lag"},
    {WindowFunction::lead, "lead"},
    {WindowFunction::first_value, "first_value"},
    {WindowFunction::last_value, "last_value"},
    {WindowFunction::count, "count"},
    {WindowFunction::count_star, "count_star"},
    {WindowFunction::sum, "sum"},
    {WindowFunction::avg, "avg"},
    {WindowFunction::min, "min"},
    {WindowFunction::max, "max"},
}};

bool is_aggregate(WindowFunction f) {
  return f == WindowFunction::count || f == WindowFunction::count_star ||
         f == WindowFunction::sum || f == WindowFunction::avg ||
         f == WindowFunction::min || f == WindowFunction::max;
}

AggregateFunction as_aggregate(WindowFunction f) {
  switch (f) {
  case WindowFunction::count:
    return AggregateFunction::count;
  case WindowFunction::sum:
    return AggregateFunction::sum;
  case WindowFunction::avg:
    return AggregateFunction::avg;
  case WindowFunction::min:
    return AggregateFunction::min;
  case WindowFunction::max:
    return AggregateFunction::max;
  default:
    return AggregateFunction::count_star;
  }
}

std::string default_output(const WindowCall &call) {
  std::string name(window_function_name(call.function));
  return name.append("(").append(call.input).append(")");
}

void check_frame(const WindowFrame &frame, const std::string &label) {
  NIMBUS_CHECK_T(ConfigError,
                 frame.start != kUnboundedFollowing &&
                     frame.end != kUnboundedPreceding,
                 "window: ", label,
                 ": a frame cannot start at UNBOUNDED FOLLOWING or end at "
                 "UNBOUNDED PRECEDING");
  if (frame.units == FrameUnits::range) {
    const auto plain = [](int64_t bound) {
      return bound == 0 || bound == kUnboundedPreceding ||
             bound == kUnboundedFollowing;
    };
    NIMBUS_CHECK_T(ConfigError, plain(frame.start) && plain(frame.end),
                   "window: ", label,
                   ": RANGE frames with an offset (n PRECEDING/FOLLOWING) are "
                   "not supported; use ROWS");
  }
}

// Whether `call` reads the runs of peers: the ranking functions that tie peers,
// and any call over a RANGE frame (whose ends are peers).
bool needs_peers(const WindowCall &call) {
  switch (call.function) {
  case WindowFunction::row_number:
  case WindowFunction::ntile:
  case WindowFunction::lag:
  case WindowFunction::lead:
    return false;
  case WindowFunction::rank:
  case WindowFunction::dense_rank:
  case WindowFunction::percent_rank:
  case WindowFunction::cume_dist:
    return true;
  default:
    return call.frame.units == FrameUnits::range;
  }
}

// The input column of `call` (null when the function takes none), checked
// against the function.
const Column *checked_input(const Table &table, const WindowCall &call,
                            const std::string &label) {
  const bool wants = window_function_takes_input(call.function);
  NIMBUS_CHECK(wants || call.input.empty(), "window: ", label,
               " takes no input column");
  NIMBUS_CHECK(!wants || !call.input.empty(), "window: ", label,
               " needs an input column");
  const Column *input =
      wants ? &detail::find_column(table, call.input, "window", "input column")
            : nullptr;
  if (is_aggregate(call.function) &&
      call.function != WindowFunction::count_star)
    aggregate_result_type(as_aggregate(call.function), input->type());
  if (call.function == WindowFunction::lag ||
      call.function == WindowFunction::lead)
    NIMBUS_CHECK_T(ConfigError, call.offset >= 0, "window: ", label,
                   ": the offset must not be negative, got ", call.offset);
  else
    NIMBUS_CHECK(call.default_input.empty(), "window: ", label,
                 " takes no default column");
  if (call.function == WindowFunction::ntile)
    NIMBUS_CHECK_T(ConfigError, call.offset > 0,
                   "window: ntile needs a positive number of buckets, got ",
                   call.offset);
  check_frame(call.frame, label);
  return input;
}

// row_number, rank, dense_rank, percent_rank, cume_dist, ntile.
Column ranking(const detail::WindowRows &rows, const WindowCall &call) {
  std::vector<int64_t> ints(static_cast<size_t>(rows.rows));
  std::vector<double> doubles(call.function == WindowFunction::percent_rank ||
                                      call.function == WindowFunction::cume_dist
                                  ? static_cast<size_t>(rows.rows)
                                  : 0);
  const bool peers = needs_peers(call);
  rows.for_each_partition([&](int64_t begin, int64_t end) {
    const int64_t size = end - begin;
    int64_t dense = 0;
    for (int64_t p = begin; p < end; ++p) {
      const auto row = static_cast<size_t>(rows.row_at(p));
      const int64_t peer_begin =
          peers ? rows.peer_begin[static_cast<size_t>(p)] : p;
      if (peer_begin == p)
        ++dense;
      const int64_t rank = peer_begin - begin + 1;
      switch (call.function) {
      case WindowFunction::row_number:
        ints[row] = p - begin + 1;
        break;
      case WindowFunction::rank:
        ints[row] = rank;
        break;
      case WindowFunction::dense_rank:
        ints[row] = dense;
        break;
      case WindowFunction::percent_rank:
        doubles[row] = size > 1 ? static_cast<double>(rank - 1) /
                                      static_cast<double>(size - 1)
                                : 0.0;
        break;
      case WindowFunction::cume_dist:
        doubles[row] =
            static_cast<double>(rows.peer_end[static_cast<size_t>(p)] - begin) /
            static_cast<double>(size);
        break;
      default: { // ntile, as DuckDB: the first size % buckets buckets hold one
                 // row more
        const int64_t buckets = call.offset, at = p - begin;
        const int64_t small = size / buckets, large = size - buckets * small,
                      large_rows = large * (small + 1);
        ints[row] = at < large_rows ? 1 + at / (small + 1)
                                    : 1 + large + (at - large_rows) / small;
      }
      }
    }
  });
  if (!doubles.empty())
    return detail::fixed_column(DataType::float64, doubles);
  return detail::fixed_column(DataType::int64, ints);
}

// lag, lead, first_value, last_value: each row's source row, then one take().
// lag/lead defaults sit after the input in one concatenated column, so "the
// default of row r" is index rows + r.
Column navigation(const detail::WindowRows &rows, const WindowCall &call,
                  const Column &input, const Column *defaults) {
  std::vector<int64_t> source(static_cast<size_t>(rows.rows), kNullRow);
  rows.for_each_partition([&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t row = rows.row_at(p);
      int64_t &to = source[static_cast<size_t>(row)];
      if (call.function == WindowFunction::lag ||
          call.function == WindowFunction::lead) {
        // p -/+ offset, compared without forming it (offsets may be near
        // int64's limit).
        const bool back = call.function == WindowFunction::lag;
        const bool inside =
            back ? call.offset <= p - begin : call.offset < end - p;
        if (inside)
          to = rows.row_at(back ? p - call.offset : p + call.offset);
        else if (defaults != nullptr)
          to = rows.rows + row;
      } else {
        const auto [fs, fe] = detail::frame_at(rows, call.frame, p, begin, end);
        if (fs < fe)
          to = rows.row_at(
              call.function == WindowFunction::first_value ? fs : fe - 1);
      }
    }
  });
  const ExecOptions options{rows.threads};
  if (defaults == nullptr)
    return take(input, source, options);
  return take(concat_columns({input, *defaults}, input.type()), source,
              options);
}

} // namespace

std::string_view window_function_name(WindowFunction function) {
  for (const auto &[f, name] : kNames)
    if (f == function)
      return name;
  return "unknown";
}

WindowFunction parse_window_function(std::string_view name) {
  for (const auto &[f, known] : kNames)
    if (known == name)
      return f;
  std::string names;
  for (const auto &[f, known] : kNames)
    names.append(names.empty() ? "" : ", ").append(known);
  NIMBUS_THROW(ConfigError, "unknown window function '", name,
               "'; the functions are: ", names);
}

bool window_function_uses_frame(WindowFunction function) {
  return is_aggregate(function) || function == WindowFunction::first_value ||
         function == WindowFunction::last_value;
}

bool window_function_takes_input(WindowFunction function) {
  switch (function) {
  case WindowFunction::row_number:
  case WindowFunction::rank:
  case WindowFunction::dense_rank:
  case WindowFunction::percent_rank:
  case WindowFunction::cume_dist:
  case WindowFunction::ntile:
  case WindowFunction::count_star:
    return false;
  default:
    return true;
  }
}

Table window(const Table &table, const WindowSpec &spec,
             const std::vector<WindowCall> &calls, const ExecOptions &options) {
  // Check everything before the sort, so a bad call costs nothing.
  std::vector<std::string> names = table.names();
  std::vector<Column> columns = table.columns();
  std::vector<const Column *> inputs, defaults;
  std::vector<std::string> labels;
  for (const WindowCall &call : calls) {
    labels.push_back(default_output(call));
    inputs.push_back(checked_input(table, call, labels.back()));
    const Column *fallback = nullptr;
    if (!call.default_input.empty()) {
      fallback = &detail::find_column(table, call.default_input, "window",
                                      "default column");
      NIMBUS_CHECK_T(DTypeError, fallback->type() == inputs.back()->type(),
                     "window: ", labels.back(), ": the default column '",
                     call.default_input, "' is ",
                     data_type_name(fallback->type()), ", not ",
                     data_type_name(inputs.back()->type()), " like the input");
    }
    defaults.push_back(fallback);
    const std::string output =
        call.output.empty() ? labels.back() : call.output;
    for (const std::string &name : names)
      NIMBUS_CHECK(name != output, "window: the output column '", output,
                   "' already exists");
    names.push_back(output);
  }
  std::vector<Column> order_columns;
  for (const SortKey &key : spec.order_by)
    order_columns.push_back(
        detail::find_column(table, key.column, "window", "ORDER BY column"));
  const detail::WindowRows rows = detail::sort_window_rows(
      table.num_rows(),
      detail::find_columns(table, spec.partition_by, "window",
                           "PARTITION BY column"),
      order_columns, spec.order_by, options.threads,
      std::any_of(calls.begin(), calls.end(), needs_peers));
  for (size_t i = 0; i < calls.size(); ++i) {
    const WindowCall &call = calls[i];
    if (is_aggregate(call.function))
      columns.push_back(
          detail::window_aggregate(rows, call, inputs[i], labels[i]));
    else if (inputs[i] != nullptr)
      columns.push_back(navigation(rows, call, *inputs[i], defaults[i]));
    else
      columns.push_back(ranking(rows, call));
  }
  return Table(names, columns);
}

} // namespace nimbus::analytics
