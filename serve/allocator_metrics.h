#pragma once
// The caching allocators' statistics (runtime/allocator.h) in the Prometheus text format, one
// series per device the server uses: the memory a server holds is what an operator sizes
// --max-batch-size against and watches for leaks, beside the request counters of metrics.h.
//
//   nimbus_allocator_allocated_bytes{device}       gauge: handed out to tensors now
//   nimbus_allocator_reserved_bytes{device}        gauge: taken from the device (allocated + cached)
//   nimbus_allocator_peak_allocated_bytes{device}, nimbus_allocator_peak_reserved_bytes{device}
//   nimbus_allocator_allocations_total{device}     counter, and likewise cache_hits, cache_misses,
//   nimbus_allocator_retries_total, nimbus_allocator_ooms_total
#include <string>
#include <vector>

#include "runtime/allocator.h"
#include "runtime/device.h"

namespace nimbus::serve {

struct DeviceAllocatorStats {
  std::string device;  // "cpu", "cuda:0", ... (Device::str)
  AllocatorStats stats;
};

// Reads allocator_for(device).stats() for each device, in the order given.
NIMBUS_API std::vector<DeviceAllocatorStats> read_allocator_stats(const std::vector<Device>& devices);
// The metric families above for `devices`; nothing when it is empty.
NIMBUS_API std::string allocator_metrics_text(const std::vector<DeviceAllocatorStats>& devices);

}  // namespace nimbus::serve
