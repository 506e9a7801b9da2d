#include "analytics/ops/device_dispatch.h"

#include "analytics/ops/take.h"
#include "runtime/backend.h"
#include "runtime/tensor.h"

namespace nimbus::analytics::detail {

Device table_device(const Table& table, const char* op) {
  if (table.columns().empty()) return Device::cpu();
  const Device device = table.columns()[0].device();
  for (size_t c = 1; c < table.columns().size(); ++c) {
    NIMBUS_CHECK_T(DeviceError, table.columns()[c].device() == device, op, ": column '", table.names()[c],
                   "' is on ", table.columns()[c].device(), " but column '", table.names()[0], "' is on ", device,
                   "; move the table to one device first (Table::to)");
  }
  return device;
}

const AnalyticsDeviceOps& device_ops(Device device, const char* op) {
  // Touching the device loads its backend library, which registers its operators (as kernels_for
  // does for the kernel table); a column already there has loaded it.
  backend_for(device);
  const AnalyticsDeviceOps* ops = analytics_device_ops(device.type);
  NIMBUS_CHECK_T(DeviceError, ops != nullptr, op, ": the analytics operators are not available on ", device,
                 " (its library registered none)");
  return *ops;
}

DeviceRows upload_rows(std::span<const int64_t> rows, Device device) {
  const auto n = static_cast<int64_t>(rows.size());
  // from_host waits for the copy, so `rows` may go away when this returns.
  const Tensor on_device = from_host(rows.data(), DType::i64, {n}, device);
  return {on_device.buffer(), n};
}

std::vector<int64_t> download_rows(const DeviceRows& rows) {
  if (rows.count == 0) return {};
  return Tensor(rows.rows, DType::i64, {rows.count}, {1}, 0).to_vector<int64_t>();
}

Column take_on_device(const Column& column, const DeviceRows& rows, bool may_hold_null_rows) {
  const Device device = column.device();
  if (computed_on_device(column.type())) return device_ops(device, "take").take(column, rows, may_hold_null_rows);
  // Strings: variable-length gathers are not on the device yet, so they run on the host.
  const std::vector<int64_t> host_rows = download_rows(rows);
  return take(column.to(Device::cpu()), host_rows).to(device);
}

Table take_on_device(const Table& table, const DeviceRows& rows, bool may_hold_null_rows) {
  std::vector<Column> columns;
  columns.reserve(table.columns().size());
  for (const Column& column : table.columns()) columns.push_back(take_on_device(column, rows, may_hold_null_rows));
  return Table(table.names(), std::move(columns));
}

}  // namespace nimbus::analytics::detail
