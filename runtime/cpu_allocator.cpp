#include "runtime/cpu_allocator.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "runtime/caching_allocator.h"

namespace nimbus {

namespace {

// Segments straight from the C library, one cache line aligned. CPU streams are synchronous, so
// the default (always complete) events of MemoryUpstream are right here.
class CpuUpstream final : public MemoryUpstream {
 public:
  void* allocate(size_t bytes) override {
    // Segment sizes are multiples of CachingAllocator::kMinBlockSize, so also of the alignment,
    // as aligned_alloc requires.
    return std::aligned_alloc(kCpuAlignment, bytes);
  }
  void deallocate(void* ptr, size_t /*bytes*/) noexcept override { std::free(ptr); }
  Device device() const override { return Device::cpu(); }
  std::string describe() const override { return "cpu"; }
};

static_assert(CachingAllocator::kMinBlockSize % kCpuAlignment == 0,
              "block offsets inside a segment must keep the CPU alignment");

}  // namespace

Allocator& cpu_allocator() {
  // Never destroyed: buffers held by other static objects may be freed after this function's
  // statics would be, and freeing into a destroyed allocator would be undefined.
  static CachingAllocator* const allocator = new CachingAllocator(std::make_unique<CpuUpstream>());
  return *allocator;
}

}  // namespace nimbus
