#pragma once
// The operators' device path: a table of functions a device library fills in for its device type,
// as the kernels' KernelTable is (kernels/dispatch.h).
//
// Note [Device operators]
// take, filter, sort (and top_k), group_by and join look at where their input columns live (a
// join on one integer key a side matches it here too, other keys on the host: Note [Joins on a
// device] in join_device.h). On the CPU nothing changes. On another device they call the
// functions registered here for its type (the CUDA module registers its own, from its entry
// point, the first time a CUDA device is touched, so a column that is already on the device has
// found them). The functions work on fixed-width columns (int32, int64, float32, float64, date32,
// timestamp) and bool columns, nulls included, and give what the CPU operators give, row for row:
// they keep the CPU's order (stable sorts, rows increasing within a group, groups by first
// appearance, join pairs in join.h's order) and its value rules (NaN above every number, -0.0
// equal to 0.0). Float sums are added in a fixed order of their own, so they are deterministic but
// may differ from the CPU's chunked sums in the last bits.
// What the device functions do not cover runs on the CPU: a string column is copied to the host,
// taken there and copied back (device_dispatch.cpp), and a group_by with an aggregate or key the
// device does not compute copies its whole input (group_by.cpp). A device type with no table
// registered is a DeviceError naming the operator and the device.
//
// Row numbers on a device are int64 (as take's indices are) and stay there between operators: a
// sort gathers its table without the permutation visiting the host.
#include <cstdint>
#include <string>
#include <vector>

#include "analytics/ops/aggregate.h"
#include "analytics/ops/join.h"
#include "analytics/ops/sort.h"
#include "analytics/table.h"

namespace nimbus::analytics {

// The first `count` entries of `rows`: int64 row numbers in device memory (kNullRow allowed where
// the operator says so). The buffer may be longer than `count`.
struct DeviceRows {
  Buffer rows;
  int64_t count = 0;
};

// Rows grouped by key, for group_by's aggregates: `order` holds every row once, each group's rows
// together in increasing row order; group g (numbered by first appearance) is
// order[begins[g] .. ends[g]). All arrays are int64 on the device.
struct DeviceGroups {
  int64_t num_groups = 0;
  Buffer order;       // num_rows entries
  Buffer begins;      // num_groups entries
  Buffer ends;        // num_groups entries
  Buffer first_rows;  // num_groups entries: group g's first row, increasing
};

// Row pairs of a join on the device, as join.h's JoinRows: output row i is left row left.rows[i]
// and right row right.rows[i], kNullRow standing for the NULL side. Semi and anti joins fill
// `left` only (`right` is empty).
struct DeviceJoinRows {
  DeviceRows left;
  DeviceRows right;
};

struct AnalyticsDeviceOps {
  // Rows `rows` of a fixed-width or bool column on the device; each row must be in range (or
  // kNullRow, a NULL row, when may_hold_null_rows). The result has a bitmap only when it has nulls.
  Column (*take)(const Column& column, const DeviceRows& rows, bool may_hold_null_rows) = nullptr;
  // The rows where a bool column is true and not NULL, increasing.
  DeviceRows (*selected_rows)(const Column& selection) = nullptr;
  // The stable sorted order of `rows` rows by fixed-width or bool key columns (sort.h's order);
  // no columns: 0..rows-1.
  DeviceRows (*sort_rows)(const std::vector<Column>& columns, const std::vector<SortKey>& keys, Device device,
                          int64_t rows) = nullptr;
  // Groups of `rows` rows by fixed-width or bool key columns (NULLs together, -0.0 with 0.0, NaN
  // with NaN); no columns: one group of every row, even of none.
  DeviceGroups (*group_rows)(const std::vector<Column>& keys, Device device, int64_t rows) = nullptr;
  // One value per group: count_star (input null), count, sum and avg of numeric input, min and max
  // of fixed-width or bool input; `label` ("sum(x)") names the aggregate in the int64 overflow error.
  Column (*aggregate)(const DeviceGroups& groups, AggregateFunction function, const Column* input,
                      const std::string& label) = nullptr;
  // The row pairs of a join on one key column a side (join.h's rows in its order; a NULL key
  // matches nothing): int32, int64, date32 or timestamp keys of one type, or int32 with int64.
  // Null: joins match their keys on the host (Note [Joins on a device] in join_device.h).
  DeviceJoinRows (*join_rows)(const Column& left_key, const Column& right_key, JoinKind kind) = nullptr;
};

// Installs the table for a device type (replacing any before it).
NIMBUS_API void register_analytics_device_ops(DeviceType type, const AnalyticsDeviceOps& ops);
// The table registered for the type, or nullptr.
NIMBUS_API const AnalyticsDeviceOps* analytics_device_ops(DeviceType type);

}  // namespace nimbus::analytics
