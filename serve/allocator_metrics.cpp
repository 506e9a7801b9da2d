#include "serve/allocator_metrics.h"

namespace nimbus::serve {

std::vector<DeviceAllocatorStats> read_allocator_stats(const std::vector<Device>& devices) {
  std::vector<DeviceAllocatorStats> all;
  for (const Device& device : devices) all.push_back({device.str(), allocator_for(device).stats()});
  return all;
}

std::string allocator_metrics_text(const std::vector<DeviceAllocatorStats>& devices) {
  struct Family {
    const char* name;
    const char* type;
    const char* help;
    int64_t AllocatorStats::*field;
  };
  static constexpr Family kFamilies[] = {
      {"nimbus_allocator_allocated_bytes", "gauge", "Bytes handed out to tensors now.", &AllocatorStats::allocated_bytes},
      {"nimbus_allocator_reserved_bytes", "gauge", "Bytes held from the device now (allocated plus cached).",
       &AllocatorStats::reserved_bytes},
      {"nimbus_allocator_peak_allocated_bytes", "gauge", "Most bytes handed out at once.",
       &AllocatorStats::peak_allocated_bytes},
      {"nimbus_allocator_peak_reserved_bytes", "gauge", "Most bytes held from the device at once.",
       &AllocatorStats::peak_reserved_bytes},
      {"nimbus_allocator_allocations_total", "counter", "Allocations served.", &AllocatorStats::allocations},
      {"nimbus_allocator_cache_hits_total", "counter", "Allocations served from cached memory.",
       &AllocatorStats::cache_hits},
      {"nimbus_allocator_cache_misses_total", "counter", "Allocations that took new memory from the device.",
       &AllocatorStats::cache_misses},
      {"nimbus_allocator_retries_total", "counter", "Allocations retried after releasing the cache.",
       &AllocatorStats::retries},
      {"nimbus_allocator_ooms_total", "counter", "Allocations that failed for want of memory.", &AllocatorStats::ooms},
  };
  std::string out;
  if (devices.empty()) return out;
  for (const Family& f : kFamilies) {
    out.append("# HELP ").append(f.name).append(" ").append(f.help).append("\n");
    out.append("# TYPE ").append(f.name).append(" ").append(f.type).append("\n");
    // Device names are "cpu" or "cuda:N": no label escaping needed.
    for (const DeviceAllocatorStats& d : devices)
      out.append(f.name).append("{device=\"").append(d.device).append("\"} ").append(std::to_string(d.stats.*f.field)).append("\n");
  }
  return out;
}

}  // namespace nimbus::serve
