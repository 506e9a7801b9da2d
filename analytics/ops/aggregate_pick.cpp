// min, max, first, last and any_value pick one row per group and take() it, so one kernel serves
// every column type, strings and dates included.
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
  std::vector<int64_t> best(static_cast<size_t>(rows.num_groups), kNullRow);
  rows.for_each_row([&](int64_t row, int64_t group) {
    if (input.is_null(row)) return;
    int64_t& current = best[static_cast<size_t>(group)];
    if (current == kNullRow || (want_max ? less(current, row) : less(row, current))) current = row;
  });
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
  const auto typed = [&](const auto* values) {
    best = pick_extreme(rows, input, want_max, [values](int64_t a, int64_t b) {
      const auto x = values[a], y = values[b];
      if constexpr (std::is_floating_point_v<std::remove_cv_t<std::remove_reference_t<decltype(x)>>>) {
        return !std::isnan(x) && (std::isnan(y) || x < y);
      } else {
        return x < y;
      }
    });
  };
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
  std::vector<int64_t> picked(static_cast<size_t>(rows.num_groups), kNullRow);
  switch (function) {
    case AggregateFunction::min:
    case AggregateFunction::max: picked = pick_extreme(rows, input, function == AggregateFunction::max); break;
    case AggregateFunction::first:
      // Rows arrive in increasing order within a group: the first one seen is the first row.
      rows.for_each_row([&](int64_t row, int64_t group) {
        if (picked[static_cast<size_t>(group)] == kNullRow) picked[static_cast<size_t>(group)] = row;
      });
      break;
    case AggregateFunction::last:
      rows.for_each_row([&](int64_t row, int64_t group) { picked[static_cast<size_t>(group)] = row; });
      break;
    case AggregateFunction::any_value:
      rows.for_each_row([&](int64_t row, int64_t group) {
        if (picked[static_cast<size_t>(group)] == kNullRow && input.is_valid(row)) picked[static_cast<size_t>(group)] = row;
      });
      break;
    default: NIMBUS_THROW(Error, "aggregate_pick: ", aggregate_function_name(function), " does not pick a row");
  }
  return take(input, picked, ExecOptions{rows.threads});
}

}  // namespace nimbus::analytics::detail
