// count, sum and avg.
#include <limits>

#include "analytics/ops/aggregate_kernels.h"
#include "analytics/ops/column_buffers.h"

namespace nimbus::analytics::detail {

Column aggregate_count(const GroupedRows& rows, const Column* input) {
  std::vector<int64_t> counts;
  const auto merge = [](int64_t& into, int64_t from) { into += from; };
  if (input == nullptr) {
    counts = accumulate<int64_t>(rows, 0, [](int64_t& count, int64_t) { ++count; }, merge);
  } else {
    with_validity(*input, [&](const auto& valid) {
      counts = accumulate<int64_t>(rows, 0, [&](int64_t& count, int64_t row) { count += valid(row) ? 1 : 0; }, merge);
    });
  }
  return fixed_column(DataType::int64, counts);
}

namespace {

// Integer totals are kept in 128 bits, so a sum that passes int64's range on the way and comes
// back is still exact (DuckDB sums int64 into a 128-bit HUGEINT); only a final total outside
// int64 is an error. 2^63 rows of int64 would be needed to overflow 128 bits.
struct IntegerTotal {
  __int128 sum = 0;
  int64_t count = 0;
};

// Float totals in float64, each chunk's in row order (Note [Chunked aggregation]).
struct FloatTotal {
  double sum = 0;
  int64_t count = 0;
};

template <typename Total, typename T>
std::vector<Total> totals(const GroupedRows& rows, const Column& input, const T* values) {
  using Sum = decltype(Total::sum);
  std::vector<Total> out;
  with_validity(input, [&](const auto& valid) {
    out = accumulate<Total>(
        rows, Total{},
        [&](Total& total, int64_t row) {
          if (!valid(row)) return;
          total.sum += static_cast<Sum>(values[row]);
          ++total.count;
        },
        [](Total& into, const Total& from) {
          into.sum += from.sum;
          into.count += from.count;
        });
  });
  return out;
}

template <typename Total>
std::vector<uint8_t> nonzero(const std::vector<Total>& totals) {
  std::vector<uint8_t> valid(totals.size());
  for (size_t g = 0; g < totals.size(); ++g) valid[g] = totals[g].count > 0;
  return valid;
}

}  // namespace

Column aggregate_sum(const GroupedRows& rows, const Column& input, const std::string& label) {
  Column result;
  with_numeric_values(input, [&](const auto* values) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(values)>>;
    if constexpr (std::is_integral_v<T>) {
      const std::vector<IntegerTotal> sums128 = totals<IntegerTotal>(rows, input, values);
      std::vector<int64_t> sums(sums128.size());
      for (size_t g = 0; g < sums.size(); ++g) {
        const __int128 sum = sums128[g].sum;
        NIMBUS_CHECK(sum >= std::numeric_limits<int64_t>::min() && sum <= std::numeric_limits<int64_t>::max(),
                     "group_by: ", label, " overflows int64 in group ", g + 1, " (groups counted from 1 in order of ",
                     "first appearance)");
        sums[g] = static_cast<int64_t>(sum);
      }
      result = fixed_column(DataType::int64, sums, nonzero(sums128));
    } else {
      const std::vector<FloatTotal> float_sums = totals<FloatTotal>(rows, input, values);
      std::vector<double> sums(float_sums.size());
      for (size_t g = 0; g < sums.size(); ++g) sums[g] = float_sums[g].sum;
      result = fixed_column(DataType::float64, sums, nonzero(float_sums));
    }
  });
  return result;
}

Column aggregate_avg(const GroupedRows& rows, const Column& input) {
  Column result;
  with_numeric_values(input, [&](const auto* values) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(values)>>;
    std::vector<double> means(static_cast<size_t>(rows.num_groups), 0.0);
    std::vector<uint8_t> valid;
    const auto mean_of = [&](const auto& sums) {
      for (size_t g = 0; g < means.size(); ++g) {
        if (sums[g].count > 0) means[g] = static_cast<double>(sums[g].sum) / static_cast<double>(sums[g].count);
      }
      valid = nonzero(sums);
    };
    if constexpr (std::is_integral_v<T>) mean_of(totals<IntegerTotal>(rows, input, values));
    else mean_of(totals<FloatTotal>(rows, input, values));
    result = fixed_column(DataType::float64, means, valid);
  });
  return result;
}

}  // namespace nimbus::analytics::detail
