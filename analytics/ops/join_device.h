#pragma once
// Joins of tables on a device other than the CPU: where their keys are matched. Internal to join.cpp.
//
// Note [Joins on a device]
// A join of two tables on one device gives the CPU join's rows, in its order (join.h), on that
// device, and the output columns are gathered there by take's device path (Note [Device
// operators] in device_ops.h). Where the keys are matched depends on them:
// - one key column a side of int32, int64, date32 or timestamp (one type on both sides, or int32
//   with int64, the only pair of different types join.h accepts here) is matched on the device,
//   by the table's join_rows (analytics/cuda/join_rows.cu): join()'s row pairs are made there and
//   go straight to the gather without visiting the host (join_rows(), which returns them on the
//   host, copies them down once). A device without join_rows in its table matches such keys on
//   the host as below;
// - other keys (several columns, strings, floats, bools) are matched on the host: the key
//   columns alone are copied there (the other columns stay on the device), matched by the CPU
//   join, and the row lists go up once per side.
// String columns are gathered through the host either way (take_on_device, device_dispatch.cpp).
// The device match is a sort-merge rather than a hash join: the right side's (key, row) pairs are
// sorted by a stable radix sort and each left key, in row order, finds its run by binary search
// (the right side is sorted whichever side is smaller, since the order needs each key's right
// rows in row order and the left rows as they come). It needs no hash
// table sized ahead (its memory is a few arrays the size of the inputs and the output, counted
// before the output is written), it is deterministic, and its order is join.h's by construction:
// left rows in order, each key's right rows in row order thanks to the stable sort, then the
// unmatched right rows in order. It is built from Thrust and CUB primitives (radix sort, vectorized
// lower_bound/upper_bound, exclusive scan, flagged selection). How it compares in time with a
// device hash join is still to be measured.
#include <optional>
#include <vector>

#include "analytics/ops/device_ops.h"

namespace nimbus::analytics::detail {

// The device of both tables; a DeviceError when they are on different devices.
Device join_device(const Table& left, const Table& right);

// Whether keys of these types (one column a side, types already checked comparable) are matched
// on the device: int32, int64, date32 or timestamp. Exported for its tests.
NIMBUS_API bool keys_match_on_device(const std::vector<Column>& left_keys, const std::vector<Column>& right_keys);

// The row pairs of a join of key columns on `device` (not the CPU), matched there when
// keys_match_on_device and the device's table has join_rows; nullopt otherwise.
std::optional<DeviceJoinRows> match_keys_on_device(const std::vector<Column>& left_keys,
                                                   const std::vector<Column>& right_keys, JoinKind kind,
                                                   Device device);

// The key columns copied to the host, named k0, k1, ... (a key may be named twice), for the host
// match of the Note.
Table host_keys(const std::vector<Column>& keys);

}  // namespace nimbus::analytics::detail
