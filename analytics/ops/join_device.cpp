// Note [Joins on a device] in join_device.h.
#include "analytics/ops/join_device.h"

#include <string>

#include "analytics/ops/device_dispatch.h"

namespace nimbus::analytics::detail {

Device join_device(const Table& left, const Table& right) {
  const Device device = table_device(left, "join");
  const Device right_device = table_device(right, "join");
  NIMBUS_CHECK_T(DeviceError, device == right_device, "join: the left table is on ", device, " but the right one on ",
                 right_device, "; move both to one device first (Table::to)");
  return device;
}

bool keys_match_on_device(const std::vector<Column>& left_keys, const std::vector<Column>& right_keys) {
  if (left_keys.size() != 1 || right_keys.size() != 1) return false;
  const DataType l = left_keys[0].type(), r = right_keys[0].type();
  const auto integer = [](DataType t) { return t == DataType::int32 || t == DataType::int64; };
  // One type on both sides, or int32 with int64: a date is never compared with a timestamp or a
  // number by its stored value, whatever checked the types before.
  if (l == r) return integer(l) || l == DataType::date32 || l == DataType::timestamp;
  return integer(l) && integer(r);
}

std::optional<DeviceJoinRows> match_keys_on_device(const std::vector<Column>& left_keys,
                                                   const std::vector<Column>& right_keys, JoinKind kind,
                                                   Device device) {
  if (!keys_match_on_device(left_keys, right_keys)) return std::nullopt;
  const AnalyticsDeviceOps& ops = device_ops(device, "join");
  if (ops.join_rows == nullptr) return std::nullopt;
  return ops.join_rows(left_keys[0], right_keys[0], kind);
}

Table host_keys(const std::vector<Column>& keys) {
  std::vector<std::string> names;
  std::vector<Column> columns;
  for (size_t k = 0; k < keys.size(); ++k) {
    names.push_back(std::string("k").append(std::to_string(k)));
    columns.push_back(keys[k].to(Device::cpu()));
  }
  return Table(std::move(names), std::move(columns));
}

}  // namespace nimbus::analytics::detail
