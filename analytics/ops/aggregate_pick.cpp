// min, max, first, last and any_value pick one row per group and take() it, so one kernel serves
// every column type, strings and dates included. Merging chunks (Note [Chunked aggregation]) keeps
// the earlier chunk's row on ties, so the picked row is the one a single row-order pass picks.
#include <cmath>
#include <string_view>

#include "analytics/ops/aggregate_kernels.h"
#include "analytics/ops/take.h"

namespace nimbus::analytics::detail {

namespace {

// Strict "a before b" for the column's values (DuckDB's order: NaN above every number; -0.0 and
// 0.0 tie). Ties keep the earlier row, so min and max return their first occurrence.
template <typename Less>
std::vector<int64_t> pick_extreme(const GroupedRows& rows, const Column& input, bool want_max, const Less& less) {
  // Whether `row` (not NULL) beats `current`, which is earlier in row order.
  const auto better = [&](int64_t row, int64_t current) {
    return current == kNullRow || (want_max ? less(current, row) : less(row, current));
  };
  std::vector<int64_t> best;
  with_validity(input, [&](const auto& valid) {
    best = accumulate<int64_t>(
        rows, kNullRow,
        [&](int64_t& current, int64_t row) {
          if (valid(row) && better(row, current)) current = row;
        },
        [&](int64_t& into, int64_t from) {
          if (from != kNullRow && better(from, into)) into = from;
        });
  });
  return best;
}

// For fixed-width values the state carries the best value beside its row, so each row is compared
// with the group's state in cache rather than with a row read back at random from the column.
template <typename T>
std::vector<int64_t> pick_extreme_value(const GroupedRows& rows, const Column& input, bool want_max, const T* values) {
  struct Best {
    T value{};
    int64_t row = kNullRow;
  };
  const auto less = [](T x, T y) {
    if constexpr (std::is_floating_point_v<T>) return !std::isnan(x) && (std::isnan(y) || x < y);
    else return x < y;
  };
  // Whether `value` beats `current`, which is earlier in row order.
  const auto better = [&](T value, const Best& current) {
    return current.row == kNullRow || (want_max ? less(current.value, value) : less(value, current.value));
  };
  std::vector<Best> picked;
  with_validity(input, [&](const auto& valid) {
    picked = accumulate<Best>(
        rows, Best{},
        [&](Best& current, int64_t row) {
          if (valid(row) && better(values[row], current)) current = {values[row], row};
        },
        [&](Best& into, const Best& from) {
          if (from.row != kNullRow && better(from.value, into)) into = from;
        });
  });
  std::vector<int64_t> best(picked.size());
  for (size_t g = 0; g < picked.size(); ++g) best[g] = picked[g].row;
  return best;
}

std::vector<int64_t> pick_extreme(const GroupedRows& rows, const Column& input, bool want_max) {
  switch (input.type()) {
    case DataType::boolean:
      return pick_extreme(rows, input, want_max,
                          [&](int64_t a, int64_t b) { return !input.bool_value(a) && input.bool_value(b); });
    case DataType::string:
      return pick_extreme(rows, input, want_max,
                          [&](int64_t a, int64_t b) { return input.string_value(a) < input.string_value(b); });
    default: break;
  }
  std::vector<int64_t> best;
  const auto typed = [&](const auto* values) { best = pick_extreme_value(rows, input, want_max, values); };
  switch (input.type()) {
    case DataType::int32:
    case DataType::date32: typed(input.values<int32_t>()); break;
    case DataType::int64:
    case DataType::timestamp: typed(input.values<int64_t>()); break;
    case DataType::float32: typed(input.values<float>()); break;
    case DataType::float64: typed(input.values<double>()); break;
    default: break;
  }
  return best;
}

}  // namespace

Column aggregate_pick(const GroupedRows& rows, const Column& input, AggregateFunction function) {
  std::vector<int64_t> picked;
  // A chunk's state is the row it picked (kNullRow for none); `into` is the earlier chunk.
  const auto keep_earlier = [](int64_t& into, int64_t from) {
    if (into == kNullRow) into = from;
  };
  switch (function) {
    case AggregateFunction::min:
    case AggregateFunction::max: picked = pick_extreme(rows, input, function == AggregateFunction::max); break;
    case AggregateFunction::first:
      picked = accumulate<int64_t>(
          rows, kNullRow,
          [](int64_t& current, int64_t row) {
            if (current == kNullRow) current = row;
          },
          keep_earlier);
      break;
    case AggregateFunction::last:
      picked = accumulate<int64_t>(
          rows, kNullRow, [](int64_t& current, int64_t row) { current = row; },
          [](int64_t& into, int64_t from) {
            if (from != kNullRow) into = from;
          });
      break;
    case AggregateFunction::any_value:
      picked = accumulate<int64_t>(
          rows, kNullRow,
          [&](int64_t& current, int64_t row) {
            if (current == kNullRow && input.is_valid(row)) current = row;
          },
          keep_earlier);
      break;
    default: NIMBUS_THROW(Error, "aggregate_pick: ", aggregate_function_name(function), " does not pick a row");
  }
  return take(input, picked, ExecOptions{rows.threads});
}

}  // namespace nimbus::analytics::detail
