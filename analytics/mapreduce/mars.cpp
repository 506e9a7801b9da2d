// The Mars strategy's dispatch: the host instantiation on the CPU, a device library's registered
// entries elsewhere (the registry mirrors analytics/ops/device_ops.cpp).
#include "analytics/mapreduce/mars.h"

#include <array>
#include <mutex>

#include "runtime/backend.h"
#include "runtime/error.h"

namespace nimbus::analytics::mapreduce {

namespace {

struct Registry {
  std::mutex mutex;
  std::array<MarsDeviceOps, kNumDeviceTypes> tables{};
  std::array<bool, kNumDeviceTypes> registered{};
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

Strategy parse_strategy(std::string_view name) {
  if (name == "phoenix") return Strategy::phoenix;
  if (name == "mars") return Strategy::mars;
  NIMBUS_THROW(ConfigError, "unknown map/reduce strategy '", name, "'; the strategies are phoenix and mars");
}

void register_mars_device_ops(DeviceType type, const MarsDeviceOps& ops) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.tables[static_cast<size_t>(type)] = ops;
  r.registered[static_cast<size_t>(type)] = true;
}

const MarsDeviceOps* mars_device_ops(DeviceType type) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  // Registered once, when the device library loads, and never removed: the address stays valid.
  return r.registered[static_cast<size_t>(type)] ? &r.tables[static_cast<size_t>(type)] : nullptr;
}

MarsWordCounts mars_word_count_block(std::string& text, WordRule rule, Device device, const MarsOptions& options) {
  if (device.is_cpu()) return mars_host_word_count(text, rule, options);
  backend_for(device);  // loads the device's library (which registers its entries); DeviceError if absent
  const MarsDeviceOps* ops = mars_device_ops(device.type);
  NIMBUS_CHECK_T(DeviceError, ops != nullptr && ops->word_count != nullptr, "map/reduce with the Mars strategy is not available on ",
                 device.str(), ": the device library loaded but registered no map/reduce entries");
  return ops->word_count(text, rule, device, options);
}

}  // namespace nimbus::analytics::mapreduce
