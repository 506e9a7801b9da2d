#pragma once
// The aggregate kernels behind group_by: each turns one input column into one result column with
// a value per group (the semantics are in aggregate.h).
//
// Note [Chunked aggregation]
// The rows to aggregate are cut into chunks of a fixed number of rows, which depends on the input
// (its number of groups) but never on the thread count. Each chunk accumulates a partial state per
// group (a sum and count, Welford moments, a picked row) visiting its rows in row order; chunks run
// in parallel, and for few groups a chunk's states stay in cache. The partials are then merged
// group by group in chunk order. Both orders are fixed, so results, float sums included, are
// identical for any thread count (Note [Deterministic operators]); a float sum is the sum of the
// chunks' row-order sums, within a few ulps of a sequential row-order sum.
// A chunk holds at least kChunkRows rows and kRowsPerGroup rows per group, so the partial states
// take at most one state per kRowsPerGroup input rows. With very many groups (a chunk as long as
// the input) aggregation is one sequential row-order pass.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "analytics/ops/aggregate.h"
#include "analytics/ops/group_index.h"
#include "analytics/ops/ops_parallel.h"

namespace nimbus::analytics::detail {

inline constexpr int64_t kChunkRows = 65536;
inline constexpr int64_t kRowsPerGroup = 8;

struct GroupedRows {
  int64_t num_groups = 0;
  // One per input row; null when there are no keys: every row is in group 0, and no 8 bytes per
  // row are allocated and written to say so (an aggregate without GROUP BY over 1e7 rows spent
  // most of its time zeroing and faulting in those 80 MB).
  const std::vector<int64_t>* group_of_row = nullptr;
  const std::vector<int64_t>* subset = nullptr;  // the rows to aggregate, increasing; null: every row
  int threads = 0;
  int64_t num_rows = 0;  // input rows

  // The rows with no keys: one group of every row.
  static GroupedRows one_group(int64_t num_rows, int threads) { return {1, nullptr, nullptr, threads, num_rows}; }

  int64_t size() const { return subset != nullptr ? static_cast<int64_t>(subset->size()) : num_rows; }
  int64_t chunk_rows() const { return std::max(kChunkRows, num_groups * kRowsPerGroup); }
  int64_t num_chunks() const { return std::max<int64_t>(1, (size() + chunk_rows() - 1) / chunk_rows()); }

  // Calls visit(row, group) for the rows of chunk `chunk`, in row order.
  template <typename Visit>
  void for_each_in_chunk(int64_t chunk, const Visit& visit) const {
    const int64_t length = chunk_rows();
    const int64_t begin = chunk * length, end = std::min(size(), begin + length);
    if (group_of_row == nullptr) {
      if (subset != nullptr) {
        for (int64_t k = begin; k < end; ++k) visit((*subset)[static_cast<size_t>(k)], int64_t{0});
      } else {
        for (int64_t row = begin; row < end; ++row) visit(row, int64_t{0});
      }
      return;
    }
    const int64_t* groups = group_of_row->data();
    if (subset != nullptr) {
      const int64_t* rows = subset->data();
      for (int64_t k = begin; k < end; ++k) visit(rows[k], groups[rows[k]]);
    } else {
      for (int64_t row = begin; row < end; ++row) visit(row, groups[row]);
    }
  }
};

// Each group's State after add(state, row) for each of its rows: per-chunk partials merged in
// chunk order with merge(earlier, later) (Note [Chunked aggregation]).
template <typename State, typename Add, typename Merge>
std::vector<State> accumulate(const GroupedRows& rows, const State& empty, const Add& add, const Merge& merge) {
  const auto groups = static_cast<size_t>(rows.num_groups);
  const int64_t chunks = rows.num_chunks();
  std::vector<State> totals(groups, empty);
  if (chunks == 1) {
    rows.for_each_in_chunk(0, [&](int64_t row, int64_t group) { add(totals[static_cast<size_t>(group)], row); });
    return totals;
  }
  std::vector<std::vector<State>> partials(static_cast<size_t>(chunks));
  run_tasks(chunks, rows.threads, [&](int64_t chunk) {
    std::vector<State>& states = partials[static_cast<size_t>(chunk)];
    states.assign(groups, empty);
    rows.for_each_in_chunk(chunk, [&](int64_t row, int64_t group) { add(states[static_cast<size_t>(group)], row); });
  });
  constexpr int64_t kMergeGrain = 4096;
  const auto n = static_cast<int64_t>(groups);
  run_pieces(n, piece_count(n, rows.threads, kMergeGrain), rows.threads, [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t g = begin; g < end; ++g) totals[static_cast<size_t>(g)] = partials[0][static_cast<size_t>(g)];
    for (size_t c = 1; c < partials.size(); ++c) {
      for (int64_t g = begin; g < end; ++g) merge(totals[static_cast<size_t>(g)], partials[c][static_cast<size_t>(g)]);
    }
  });
  return totals;
}

// Calls f(valid) with valid(row) saying whether the column's row is non-NULL; a constant when the
// column has no NULLs, so the kernels' loops carry no per-row validity test then.
template <typename F>
void with_validity(const Column& column, const F& f) {
  if (column.has_nulls()) f([&column](int64_t row) { return column.is_valid(row); });
  else f([](int64_t) { return true; });
}

// Calls f(values) with the column's values as const T* for the numeric types.
template <typename F>
void with_numeric_values(const Column& column, const F& f) {
  switch (column.type()) {
    case DataType::int32: f(column.values<int32_t>()); return;
    case DataType::int64: f(column.values<int64_t>()); return;
    case DataType::float32: f(column.values<float>()); return;
    case DataType::float64: f(column.values<double>()); return;
    default: NIMBUS_THROW(DTypeError, "aggregate: ", data_type_name(column.type()), " is not a numeric type");
  }
}

// count(x), or count(*) when `input` is null.
Column aggregate_count(const GroupedRows& rows, const Column* input);
// sum; `label` ("sum(x)") names the aggregate in the int64 overflow error.
Column aggregate_sum(const GroupedRows& rows, const Column& input, const std::string& label);
Column aggregate_avg(const GroupedRows& rows, const Column& input);
// var_samp, var_pop, stddev_samp, stddev_pop (Welford's update, as DuckDB).
Column aggregate_variance(const GroupedRows& rows, const Column& input, AggregateFunction function);
Column aggregate_corr(const GroupedRows& rows, const Column& y, const Column& x);
Column aggregate_median(const GroupedRows& rows, const Column& input);
// min, max, first, last, any_value: the row each group picks, then take().
Column aggregate_pick(const GroupedRows& rows, const Column& input, AggregateFunction function);

// For DISTINCT aggregates: the rows (of `rows`, which must be every row) that hold the first
// occurrence of each distinct (group, input values) pair, increasing. NULL inputs count as one
// value (the kernels skip them anyway).
std::vector<int64_t> first_distinct_rows(const GroupedRows& rows, const std::vector<Column>& inputs);

}  // namespace nimbus::analytics::detail
