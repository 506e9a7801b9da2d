// Tensor::copy_ on a GPU through the element copy the CUDA kernels register: dtype conversions,
// strided and broadcast sources, strided destinations, and copies between the host and the device
// that need one of those first. Skipped without a CUDA device.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/ops.h"
#include "runtime/allocator.h"
#include "runtime/backend.h"
#include "runtime/random.h"
#include "runtime/tensor.h"

namespace nimbus {
namespace {

#define REQUIRE_GPU() \
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: " << cuda_backend_status()

const Device kGpu = Device::cuda(0);

TEST(DeviceCopy, ConvertsEveryDtypePairOnTheDevice) {
  REQUIRE_GPU();
  ASSERT_NE(device_element_copy(DeviceType::cuda), nullptr) << "the CUDA kernels registered no element copy";
  Generator gen(3);
  const Tensor host = randint(-5, 6, {7, 13}, {DType::i64}, gen);
  for (DType from : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64, DType::u8, DType::boolean})
    for (DType to : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64, DType::u8, DType::boolean}) {
      const Tensor src = host.to(from);
      const Tensor expected = src.to(to);
      const Tensor on_gpu = src.to(kGpu).to(to);
      EXPECT_EQ(on_gpu.device(), kGpu);
      EXPECT_EQ(on_gpu.to(Device::cpu()).to_vector<double>(), expected.to_vector<double>())
          << dtype_name(from) << " -> " << dtype_name(to);
    }
}

TEST(DeviceCopy, StridedBroadcastAndAcrossDevices) {
  REQUIRE_GPU();
  Generator gen(4);
  const Tensor host = randn({6, 5, 4}, {DType::f32}, gen);
  const Tensor gpu = host.to(kGpu);
  // A transposed view made contiguous on the device.
  EXPECT_EQ(gpu.transpose(0, 2).contiguous().to(Device::cpu()).to_vector<float>(),
            host.transpose(0, 2).contiguous().to_vector<float>());
  // A broadcast row into a strided destination on the device.
  const Tensor dst = zeros({6, 10, 4}, {DType::f32, kGpu}).slice(1, 0, 10, 2);
  dst.copy_(gpu.select(1, 0).unsqueeze(1));
  EXPECT_EQ(dst.to(Device::cpu()).to_vector<float>(), host.select(1, 0).unsqueeze(1).expand({6, 5, 4}).contiguous().to_vector<float>());
  // Host strided f64 into a contiguous f16 device tensor, and a device view back into host memory.
  const Tensor half_on_gpu = empty({4, 5}, {DType::f16, kGpu});
  half_on_gpu.copy_(host.select(0, 1).t().to(DType::f64));
  EXPECT_EQ(half_on_gpu.to(Device::cpu()).to_vector<double>(), host.select(0, 1).t().to(DType::f16).to_vector<double>());
  const Tensor back = zeros({5, 6}, {DType::f64});
  back.copy_(gpu.select(2, 3).t());
  EXPECT_EQ(back.to_vector<double>(), host.select(2, 3).t().to(DType::f64).to_vector<double>());
}

// Note [Pinned host memory]: pin_memory() gives a page-locked copy, and copies between it and the
// GPU queued with non_blocking return before they finish yet deliver the same bytes once the
// stream is synchronized.
TEST(DeviceCopy, PinnedTensorsCopyAsynchronouslyBothWays) {
  REQUIRE_GPU();
  Generator gen(5);
  const Tensor host = randn({257, 33}, {DType::f32}, gen);
  const Tensor pinned = host.pin_memory();
  ASSERT_TRUE(pinned.is_pinned());
  EXPECT_FALSE(host.is_pinned());
  EXPECT_EQ(pinned.device(), Device::cpu());
  EXPECT_EQ(pinned.to_vector<float>(), host.to_vector<float>());
  EXPECT_EQ(pinned.pin_memory().data_ptr(), pinned.data_ptr()) << "already pinned: no copy";

  const Tensor up = pinned.to(kGpu, /*non_blocking=*/true);
  const Tensor back = empty(host.shape(), {DType::f32}).pin_memory();
  back.copy_(mul(up, up), /*non_blocking=*/true);
  current_stream(kGpu).synchronize();
  const std::vector<float> x = host.to_vector<float>(), y = back.to_vector<float>();
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(y[i], x[i] * x[i]) << "element " << i;
}

TEST(DeviceCopy, PinnedBlocksAreReusedOnlyAfterTheirCopiesAndCounted) {
  REQUIRE_GPU();
  Allocator& pool = pinned_host_allocator();
  const AllocatorStats before = pool.stats();
  Generator gen(6);
  // Many uploads through short-lived pinned staging tensors, none waited for: every result must
  // still hold its own values, so no staging block was refilled while its copy was queued.
  std::vector<Tensor> on_gpu, expected;
  for (int i = 0; i < 16; ++i) {
    const Tensor host = randn({1024}, {DType::f32}, gen);
    expected.push_back(host);
    on_gpu.push_back(host.pin_memory().to(kGpu, /*non_blocking=*/true));
  }
  current_stream(kGpu).synchronize();
  for (size_t i = 0; i < on_gpu.size(); ++i)
    EXPECT_EQ(on_gpu[i].to(Device::cpu()).to_vector<float>(), expected[i].to_vector<float>()) << "upload " << i;
  const AllocatorStats after = pool.stats();
  EXPECT_EQ(after.allocations - before.allocations, 16);
  EXPECT_EQ(after.allocated_bytes, before.allocated_bytes) << "every staging block was freed";
}

}  // namespace
}  // namespace nimbus
