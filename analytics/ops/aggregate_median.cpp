// median = quantile_cont(0.5): each group's values are gathered into one contiguous run (a
// counting sort by group), then the middle one or two are found with nth_element. The gather
// counts and scatters per chunk (Note [Chunked aggregation]), each chunk's values of a group
// after the earlier chunks' ones, so every run is in row order whatever the thread count.
#include <algorithm>
#include <cmath>

#include "analytics/ops/aggregate_kernels.h"
#include "analytics/ops/column_buffers.h"

namespace nimbus::analytics::detail {

namespace {

// DuckDB's order for floats: NaN above every number.
bool nan_last_less(double a, double b) { return !std::isnan(a) && (std::isnan(b) || a < b); }

constexpr int64_t kGroupsPerTask = 4096;

}  // namespace

Column aggregate_median(const GroupedRows& rows, const Column& input) {
  const auto groups = static_cast<size_t>(rows.num_groups);
  const int64_t chunks = rows.num_chunks();
  // cursor[c][g]: where chunk c writes its next value of group g.
  std::vector<std::vector<int64_t>> cursor(static_cast<size_t>(chunks));
  with_validity(input, [&](const auto& valid) {
    run_tasks(chunks, rows.threads, [&](int64_t chunk) {
      std::vector<int64_t>& count = cursor[static_cast<size_t>(chunk)];
      count.assign(groups, 0);
      rows.for_each_in_chunk(chunk,
                             [&](int64_t row, int64_t group) { count[static_cast<size_t>(group)] += valid(row); });
    });
  });
  std::vector<int64_t> start(groups + 1, 0);
  for (size_t g = 0; g < groups; ++g) {
    int64_t position = start[g];
    for (std::vector<int64_t>& count : cursor) {
      const int64_t n = count[g];
      count[g] = position;
      position += n;
    }
    start[g + 1] = position;
  }
  std::vector<double> values(static_cast<size_t>(start[groups]));
  with_numeric_values(input, [&](const auto* column_values) {
    run_tasks(chunks, rows.threads, [&](int64_t chunk) {
      std::vector<int64_t>& next = cursor[static_cast<size_t>(chunk)];
      rows.for_each_in_chunk(chunk, [&](int64_t row, int64_t group) {
        if (!input.is_valid(row)) return;
        values[static_cast<size_t>(next[static_cast<size_t>(group)]++)] = static_cast<double>(column_values[row]);
      });
    });
  });

  std::vector<double> out(groups, 0.0);
  std::vector<uint8_t> valid(groups, 0);
  const auto tasks = static_cast<int64_t>((groups + kGroupsPerTask - 1) / kGroupsPerTask);
  run_tasks(tasks, rows.threads, [&](int64_t task) {
    const auto end = std::min<size_t>(groups, static_cast<size_t>(task + 1) * kGroupsPerTask);
    for (auto g = static_cast<size_t>(task) * kGroupsPerTask; g < end; ++g) {
      const auto first = values.begin() + start[g];
      const int64_t n = start[g + 1] - start[g];
      if (n == 0) continue;
      // The value at position (n - 1) / 2 of the sorted run, and the next one for even n.
      const int64_t lower = (n - 1) / 2;
      std::nth_element(first, first + lower, first + n, nan_last_less);
      const double low = first[lower];
      double median = low;
      if (n % 2 == 0) {
        const double high = *std::min_element(first + lower + 1, first + n, nan_last_less);
        median = low + (high - low) * 0.5;  // DuckDB's interpolation: lo + (hi - lo) * fraction
      }
      out[g] = median;
      valid[g] = 1;
    }
  });
  return fixed_column(DataType::float64, out, valid);
}

}  // namespace nimbus::analytics::detail
