// The CPU allocator as programs meet it: cpu_allocator() and Buffer::allocate on the CPU. It is
// shared by the whole test program, so checks compare statistics before and after.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "runtime/buffer.h"
#include "runtime/cpu_allocator.h"
#include "runtime/error.h"

namespace nimbus {
namespace {

TEST(CpuAllocator, ReusesFreedMemory) {
  Allocator& allocator = cpu_allocator();
  { Buffer warm = Buffer::allocate(4096, Device::cpu()); }
  const AllocatorStats before = allocator.stats();
  void* first = nullptr;
  {
    Buffer buffer = Buffer::allocate(4096, Device::cpu());
    first = buffer.data();
  }
  {
    Buffer buffer = Buffer::allocate(4096, Device::cpu());
    EXPECT_EQ(buffer.data(), first);
  }
  const AllocatorStats after = allocator.stats();
  EXPECT_EQ(after.cache_hits - before.cache_hits, 2);
  EXPECT_EQ(after.cache_misses, before.cache_misses);
  EXPECT_EQ(after.reserved_bytes, before.reserved_bytes);
  EXPECT_EQ(after.allocated_bytes, before.allocated_bytes);
}

TEST(CpuAllocator, PointersAreCacheLineAligned) {
  for (size_t bytes : {size_t{1}, size_t{3}, size_t{63}, size_t{65}, size_t{1000}, size_t{4097},
                       size_t{1} << 20, (size_t{1} << 20) + 1, size_t{5} << 20}) {
    Buffer buffer = Buffer::allocate(bytes, Device::cpu());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.data()) % kCpuAlignment, 0u) << bytes << " bytes";
    std::memset(buffer.data(), 0xab, bytes);  // the whole request is usable
  }
}

TEST(CpuAllocator, ZeroBytesHasNoMemory) {
  const AllocatorStats before = cpu_allocator().stats();
  Buffer buffer = Buffer::allocate(0, Device::cpu());
  EXPECT_EQ(buffer.data(), nullptr);
  EXPECT_EQ(buffer.nbytes(), 0u);
  EXPECT_EQ(cpu_allocator().allocate(0, default_stream(Device::cpu())), nullptr);
  EXPECT_EQ(cpu_allocator().stats().allocations, before.allocations);
}

TEST(CpuAllocator, ImpossibleRequestThrowsAClearOutOfMemoryError) {
  const int64_t ooms = cpu_allocator().stats().ooms;
  try {
    Buffer buffer = Buffer::allocate(size_t{1} << 50, Device::cpu());
    FAIL() << "a 1 PiB allocation succeeded";
  } catch (const OutOfMemoryError& e) {
    const std::string message = e.what();
    for (const char* part : {"cpu", "1125899906842624 bytes", "1.00 PiB", "allocated", "cached"})
      EXPECT_NE(message.find(part), std::string::npos) << "missing '" << part << "' in: " << message;
  }
  EXPECT_EQ(cpu_allocator().stats().ooms, ooms + 1);
  Buffer after = Buffer::allocate(256, Device::cpu());  // still usable
  EXPECT_NE(after.data(), nullptr);
}

TEST(CpuAllocator, EmptyCacheReturnsFreeMemory) {
  { Buffer big = Buffer::allocate(size_t{8} << 20, Device::cpu()); }
  const int64_t cached = cpu_allocator().stats().reserved_bytes;
  cpu_allocator().empty_cache();
  EXPECT_LE(cpu_allocator().stats().reserved_bytes, cached - (int64_t{8} << 20));
}

}  // namespace
}  // namespace nimbus
