// Devices, streams and events; the CUDA backend reports zero devices when there are none.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "runtime/backend.h"
#include "runtime/buffer.h"
#include "runtime/error.h"

namespace nimbus {
namespace {

TEST(Device, ParsesNamesAndRejectsBadOnes) {
  EXPECT_EQ(Device::parse("cpu"), Device::cpu());
  EXPECT_EQ(Device::parse("cpu").str(), "cpu");
  EXPECT_EQ(Device::cuda(1).str(), "cuda:1");
  EXPECT_THROW(Device::parse("gpu"), ParseError);
  EXPECT_THROW(Device::parse("cuda:x"), ParseError);
  EXPECT_THROW(Device::parse("cuda:-1"), ParseError);
  const int n = cuda_device_count();
  EXPECT_EQ(Device::parse("auto"), n > 0 ? Device::cuda(0) : Device::cpu());
  try {
    Device::parse("cuda:" + std::to_string(n));
    FAIL() << "expected a DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("is not available"), std::string::npos) << e.what();
  }
}

TEST(Device, CudaCountIsZeroWithoutDriverOrDevice) {
  // Holds on every machine: a build without CUDA, a machine without a driver, and one with GPUs.
  EXPECT_GE(cuda_device_count(), 0);
  if (!cuda_compiled_in()) {
    EXPECT_EQ(cuda_device_count(), 0);
    EXPECT_FALSE(cuda_backend_status().empty());
  }
}

TEST(Stream, CurrentStreamGuardIsScopedAndPerThread) {
  const Stream def = default_stream(Device::cpu());
  EXPECT_EQ(current_stream(Device::cpu()), def);
  {
    StreamGuard guard(Stream{Device::cpu(), 0});
    EXPECT_EQ(current_stream(Device::cpu()).device, Device::cpu());
  }
  EXPECT_EQ(current_stream(Device::cpu()), def);
  std::thread([&] { EXPECT_EQ(current_stream(Device::cpu()), def); }).join();
}

TEST(Event, CpuEventsCompleteAndMeasureTime) {
  Event start, stop;
  start.record();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop.record();
  EXPECT_TRUE(stop.query());
  stop.synchronize();
  EXPECT_GE(start.elapsed_ms(stop), 4.0);
  Event unrecorded;
  EXPECT_THROW(unrecorded.elapsed_ms(stop), Error);
}

TEST(Buffer, WrapsForeignMemoryAndReleasesOnce) {
  int released = 0;
  static float storage[4];
  {
    Buffer b = Buffer::wrap(storage, sizeof storage, Device::cpu(), [&](void* p) {
      EXPECT_EQ(p, storage);
      ++released;
    });
    Buffer copy = b;
    EXPECT_EQ(copy.data(), storage);
    EXPECT_EQ(b.use_count(), 2);
  }
  EXPECT_EQ(released, 1);
}

TEST(Buffer, AllocationOnMissingDeviceIsADeviceError) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_THROW(Buffer::allocate(16, Device::cuda(0)), DeviceError);
}

TEST(Buffer, PinnedMemoryWithoutAGpuIsADeviceErrorThatSaysWhatToDo) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is present";
  try {
    Buffer::allocate_pinned(16);
    FAIL() << "expected DeviceError";
  } catch (const DeviceError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("pinned host memory needs a CUDA device"), std::string::npos) << what;
    EXPECT_NE(what.find("ordinary memory"), std::string::npos) << what;
  }
}

TEST(Buffer, OrdinaryBuffersAreNotPinned) {
  EXPECT_FALSE(Buffer::allocate(16, Device::cpu()).pinned());
  EXPECT_FALSE(Buffer().pinned());
}

}  // namespace
}  // namespace nimbus
