// The CUDA half of the runtime on a real GPU: allocation, copies, streams, events.
// Every test skips (and ctest reports it skipped) when no CUDA device is present.
#include <gtest/gtest.h>

#include <set>

#include "runtime/backend.h"
#include "runtime/random.h"
#include "runtime/tensor.h"

namespace nimbus {
namespace {

#define REQUIRE_GPU() \
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: " << cuda_backend_status()

TEST(CudaRuntime, RoundTripThroughDeviceMemoryIsExact) {
  REQUIRE_GPU();
  const Tensor host = randn({1000, 3});
  const Tensor dev = host.to(Device::cuda(0));
  EXPECT_EQ(dev.device(), Device::cuda(0));
  EXPECT_EQ(dev.to(Device::cpu()).to_vector<float>(), host.to_vector<float>());
}

TEST(CudaRuntime, AllocatorCountsBytes) {
  REQUIRE_GPU();
  Allocator& a = allocator_for(Device::cuda(0));
  const int64_t before = a.stats().allocated_bytes;
  {
    const Buffer b = Buffer::allocate(1 << 20, Device::cuda(0));
    EXPECT_GE(a.stats().allocated_bytes, before + (1 << 20));
  }
  EXPECT_EQ(a.stats().allocated_bytes, before);
}

TEST(CudaRuntime, EventsTimeWorkOnAStream) {
  REQUIRE_GPU();
  const Stream s = new_stream(Device::cuda(0));
  StreamGuard guard(s);
  Event start(Device::cuda(0)), stop(Device::cuda(0));
  start.record();
  const Tensor t = zeros({1 << 20}).to(Device::cuda(0));
  stop.record();
  stop.synchronize();
  EXPECT_TRUE(stop.query());
  EXPECT_GE(start.elapsed_ms(stop), 0.0);
}

// Note [Stream pool]: streams come round-robin from a bounded pool, never the default stream.
TEST(CudaRuntime, NewStreamsCycleThroughABoundedPool) {
  REQUIRE_GPU();
  std::set<uint64_t> seen;
  const Stream first = new_stream(Device::cuda(0));
  EXPECT_NE(new_stream(Device::cuda(0)), first) << "two calls in a row share a stream";
  for (int i = 0; i < 200; ++i) {
    const Stream s = new_stream(Device::cuda(0));
    EXPECT_NE(s.handle, uint64_t(0));
    seen.insert(s.handle);
  }
  EXPECT_LE(seen.size(), 32u) << "the pool grew past its size";
  EXPECT_GE(seen.size(), 2u);
}

TEST(CudaRuntime, OutOfMemoryIsAClearError) {
  REQUIRE_GPU();
  try {
    Buffer::allocate(size_t{1} << 50, Device::cuda(0));
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    EXPECT_NE(std::string(e.what()).find("out of memory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nimbus
