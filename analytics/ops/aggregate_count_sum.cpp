// count, sum and avg.
#include <limits>

#include "analytics/ops/aggregate_kernels.h"
#include "analytics/ops/column_buffers.h"

namespace nimbus::analytics::detail {

Column aggregate_count(const GroupedRows& rows, const Column* input) {
  std::vector<int64_t> counts(static_cast<size_t>(rows.num_groups), 0);
  rows.for_each_row([&](int64_t row, int64_t group) {
    if (input == nullptr || input->is_valid(row)) ++counts[static_cast<size_t>(group)];
  });
  return fixed_column(DataType::int64, counts);
}

namespace {

// Integer totals are kept in 128 bits, so a sum that passes int64's range on the way and comes
// back is still exact (DuckDB sums int64 into a 128-bit HUGEINT); only a final total outside
// int64 is an error. 2^63 rows of int64 would be needed to overflow 128 bits.
struct IntegerTotals {
  std::vector<__int128> sums;
  std::vector<int64_t> counts;
};

template <typename T>
IntegerTotals integer_totals(const GroupedRows& rows, const Column& input, const T* values) {
  IntegerTotals totals{std::vector<__int128>(static_cast<size_t>(rows.num_groups), 0),
                       std::vector<int64_t>(static_cast<size_t>(rows.num_groups), 0)};
  rows.for_each_row([&](int64_t row, int64_t group) {
    if (input.is_null(row)) return;
    totals.sums[static_cast<size_t>(group)] += values[row];
    ++totals.counts[static_cast<size_t>(group)];
  });
  return totals;
}

// Float totals in float64, added in row order (Note [Deterministic operators]).
template <typename T>
std::pair<std::vector<double>, std::vector<int64_t>> float_totals(const GroupedRows& rows, const Column& input,
                                                                   const T* values) {
  std::vector<double> sums(static_cast<size_t>(rows.num_groups), 0.0);
  std::vector<int64_t> counts(static_cast<size_t>(rows.num_groups), 0);
  rows.for_each_row([&](int64_t row, int64_t group) {
    if (input.is_null(row)) return;
    sums[static_cast<size_t>(group)] += static_cast<double>(values[row]);
    ++counts[static_cast<size_t>(group)];
  });
  return {std::move(sums), std::move(counts)};
}

std::vector<uint8_t> nonzero(const std::vector<int64_t>& counts) {
  std::vector<uint8_t> valid(counts.size());
  for (size_t g = 0; g < counts.size(); ++g) valid[g] = counts[g] > 0;
  return valid;
}

}  // namespace

Column aggregate_sum(const GroupedRows& rows, const Column& input, const std::string& label) {
  Column result;
  with_numeric_values(input, [&](const auto* values) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(values)>>;
    if constexpr (std::is_integral_v<T>) {
      const IntegerTotals totals = integer_totals(rows, input, values);
      std::vector<int64_t> sums(totals.sums.size());
      for (size_t g = 0; g < sums.size(); ++g) {
        const __int128 sum = totals.sums[g];
        NIMBUS_CHECK(sum >= std::numeric_limits<int64_t>::min() && sum <= std::numeric_limits<int64_t>::max(),
                     "group_by: ", label, " overflows int64 in group ", g + 1, " (groups counted from 1 in order of ",
                     "first appearance)");
        sums[g] = static_cast<int64_t>(sum);
      }
      result = fixed_column(DataType::int64, sums, nonzero(totals.counts));
    } else {
      const auto [sums, counts] = float_totals(rows, input, values);
      result = fixed_column(DataType::float64, sums, nonzero(counts));
    }
  });
  return result;
}

Column aggregate_avg(const GroupedRows& rows, const Column& input) {
  Column result;
  with_numeric_values(input, [&](const auto* values) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(values)>>;
    std::vector<double> means(static_cast<size_t>(rows.num_groups), 0.0);
    std::vector<int64_t> counts;
    if constexpr (std::is_integral_v<T>) {
      IntegerTotals totals = integer_totals(rows, input, values);
      for (size_t g = 0; g < means.size(); ++g) {
        if (totals.counts[g] > 0) means[g] = static_cast<double>(totals.sums[g]) / static_cast<double>(totals.counts[g]);
      }
      counts = std::move(totals.counts);
    } else {
      auto [sums, float_counts] = float_totals(rows, input, values);
      for (size_t g = 0; g < means.size(); ++g) {
        if (float_counts[g] > 0) means[g] = sums[g] / static_cast<double>(float_counts[g]);
      }
      counts = std::move(float_counts);
    }
    result = fixed_column(DataType::float64, means, nonzero(counts));
  });
  return result;
}

}  // namespace nimbus::analytics::detail
