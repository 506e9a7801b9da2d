#include "kernels/dispatch.h"

#include <array>
#include <mutex>

#include "runtime/backend.h"

namespace nimbus {

namespace {
std::array<KernelTable, kNumDeviceTypes> tables;
std::mutex tables_mutex;

void ensure_cpu_registered() {
  static std::once_flag once;
  std::call_once(once, [] { cpu::register_kernels(); });
}
}  // namespace

void register_kernels(DeviceType type, const KernelTable& table) {
  std::lock_guard lock(tables_mutex);
  tables[static_cast<size_t>(type)] = table;
}

const KernelTable& kernels_for(Device device) {
  ensure_cpu_registered();
  // Touching a CUDA device loads its backend library, which registers its kernels.
  if (!device.is_cpu()) backend_for(device);
  return tables[static_cast<size_t>(device.type)];
}

}  // namespace nimbus
