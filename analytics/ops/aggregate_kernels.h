#pragma once
// The aggregate kernels behind group_by: each turns one input column into one result column with
// a value per group (the semantics are in aggregate.h).
//
// Every kernel walks GroupedRows::for_each_row, which visits each partition's rows in increasing
// order on one thread (Note [Partitioned grouping]). A group's rows all lie in one partition, so
// kernels update per-group state without locks, and every group sees its values in row order:
// results, float sums included, are the same for any thread count.
#include <cstdint>
#include <vector>

#include "analytics/ops/aggregate.h"
#include "analytics/ops/group_index.h"
#include "analytics/ops/ops_parallel.h"

namespace nimbus::analytics::detail {

struct GroupedRows {
  int64_t num_groups = 0;
  const std::vector<int64_t>* group_of_row = nullptr;
  const std::vector<std::vector<int64_t>>* partition_rows = nullptr;  // the rows to aggregate
  int threads = 0;

  // Calls visit(row, group) for every row to aggregate.
  template <typename Visit>
  void for_each_row(const Visit& visit) const {
    run_tasks(static_cast<int64_t>(partition_rows->size()), threads, [&](int64_t p) {
      for (int64_t row : (*partition_rows)[static_cast<size_t>(p)]) visit(row, (*group_of_row)[static_cast<size_t>(row)]);
    });
  }
};

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

// For DISTINCT aggregates: the partition rows that hold the first occurrence of each distinct
// (group, input values) pair, still in row order. NULL inputs count as one value (the kernels
// skip them anyway).
std::vector<std::vector<int64_t>> first_distinct_rows(const GroupedRows& rows, const std::vector<Column>& inputs);

}  // namespace nimbus::analytics::detail
