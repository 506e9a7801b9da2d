#pragma once
// The allocator interface every device memory source implements, and its statistics.
#include <cstddef>
#include <cstdint>

#include "runtime/device.h"
#include "runtime/stream.h"

namespace nimbus {

// Byte counts are "current" and "peak"; event counts are cumulative since creation.
struct AllocatorStats {
  int64_t allocated_bytes = 0;       // handed out to callers now
  int64_t reserved_bytes = 0;        // obtained from the upstream now (allocated + cached)
  int64_t peak_allocated_bytes = 0;
  int64_t peak_reserved_bytes = 0;
  int64_t allocations = 0;           // successful allocate() calls
  int64_t cache_hits = 0;            // served from cached memory
  int64_t cache_misses = 0;          // needed a new upstream allocation
  int64_t retries = 0;               // upstream failures followed by release-all-cached-and-retry
  int64_t ooms = 0;                  // allocations that failed even after the retry
};

class NIMBUS_API Allocator {
 public:
  virtual ~Allocator() = default;
  // Returns memory usable in the order of `stream`. Zero bytes returns nullptr. Throws
  // OutOfMemoryError (with what was asked, allocated and cached) when it cannot be had.
  virtual void* allocate(size_t bytes, const Stream& stream) = 0;
  // Releases memory from allocate(). Never throws: it runs in destructors.
  virtual void deallocate(void* ptr) noexcept = 0;
  // Declares that `ptr` was also used on `stream`, so it is not reused before that work finishes.
  virtual void record_stream(void* /*ptr*/, const Stream& /*stream*/) {}
  // Returns cached, unused memory to the upstream.
  virtual void empty_cache() {}
  virtual AllocatorStats stats() const = 0;
  virtual void reset_peak_stats() {}
  virtual Device device() const = 0;
};

// The allocator for a device (the CPU's caching allocator, or the CUDA backend's).
NIMBUS_API Allocator& allocator_for(Device device);

}  // namespace nimbus
