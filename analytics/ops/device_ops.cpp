// The registry of device operator tables (Note [Device operators] in device_ops.h).
#include "analytics/ops/device_ops.h"

#include <array>
#include <mutex>

namespace nimbus::analytics {

namespace {

struct Registry {
  std::mutex mutex;
  std::array<AnalyticsDeviceOps, kNumDeviceTypes> tables{};
  std::array<bool, kNumDeviceTypes> registered{};
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

void register_analytics_device_ops(DeviceType type, const AnalyticsDeviceOps& ops) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.tables[static_cast<size_t>(type)] = ops;
  r.registered[static_cast<size_t>(type)] = true;
}

const AnalyticsDeviceOps* analytics_device_ops(DeviceType type) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  // Tables are registered once, before any column reaches the device, and never removed, so the
  // address stays valid after the lock is released.
  return r.registered[static_cast<size_t>(type)] ? &r.tables[static_cast<size_t>(type)] : nullptr;
}

}  // namespace nimbus::analytics
