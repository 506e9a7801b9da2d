#pragma once
// The CUDA device operators, one file each (gather.cu, select_rows.cu, sort_rows.cu,
// group_rows.cu, aggregate.cu, join_rows.cu); register_analytics_cuda.cu puts them in the table of
// analytics/ops/device_ops.h. Their contracts are that table's.
#include <string>
#include <vector>

#include "analytics/ops/device_ops.h"

namespace nimbus::analytics::cuda {

Column take_rows(const Column& column, const DeviceRows& rows, bool may_hold_null_rows);
DeviceRows selected_rows(const Column& selection);
DeviceRows sort_rows(const std::vector<Column>& columns, const std::vector<SortKey>& keys, Device device, int64_t rows);
DeviceGroups group_rows(const std::vector<Column>& keys, Device device, int64_t rows);
Column aggregate(const DeviceGroups& groups, AggregateFunction function, const Column* input, const std::string& label);
DeviceJoinRows join_rows(const Column& left_key, const Column& right_key, JoinKind kind);

// Shared by sort_rows and group_rows: `order` (n int64 rows on the device) reordered, stably, by
// `column`'s key words, and then by its null flags when it has nulls (NULLs first or last);
// descending reverses the value order only. Returns the new order.
Buffer sort_by_column(const Column& column, Buffer order, int64_t n, bool descending, NullOrder nulls);

}  // namespace nimbus::analytics::cuda
