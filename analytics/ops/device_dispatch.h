#pragma once
// The operators' side of Note [Device operators] (device_ops.h): where a table lives, the device
// functions for it, row numbers to and from the device, and take on the device with its host
// fallback for string columns. Internal to the operators.
#include <cstdint>
#include <span>
#include <vector>

#include "analytics/ops/device_ops.h"

namespace nimbus::analytics::detail {

// The device of the table's columns (the CPU for a table without columns); a DeviceError naming
// `op` when they are not all on one device.
Device table_device(const Table& table, const char* op);
// The functions registered for `device` (not the CPU); a DeviceError naming `op` when there are none.
const AnalyticsDeviceOps& device_ops(Device device, const char* op);
// Whether the device functions compute on columns of `type` themselves: fixed-width and bool.
inline bool computed_on_device(DataType type) { return type != DataType::string; }

// Row numbers copied to `device`, and back.
DeviceRows upload_rows(std::span<const int64_t> rows, Device device);
std::vector<int64_t> download_rows(const DeviceRows& rows);

// take() of a column or table on a device by row numbers already there (checked by the caller).
// String columns go through the host: copied there, taken, copied back.
Column take_on_device(const Column& column, const DeviceRows& rows, bool may_hold_null_rows);
Table take_on_device(const Table& table, const DeviceRows& rows, bool may_hold_null_rows);

}  // namespace nimbus::analytics::detail
