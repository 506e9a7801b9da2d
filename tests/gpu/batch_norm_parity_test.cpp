// Batch norm's CUDA kernels (kernels/cuda/batch_norm.cu) against the CPU kernels: forward and
// backward, training and evaluation, f32 and f64, over the shapes of gpu/batch_norm_cases.h, with
// the cuDNN switch held off so that our kernels are what runs; and bit-identical results run to
// run (no atomics). cudnn_batch_norm_parity_test.cpp checks the cuDNN path. Skipped without a
// CUDA device.
#include <gtest/gtest.h>

#include <cstring>

#include "gpu/batch_norm_cases.h"
#include "kernels/kernel_switch.h"

namespace nimbus::gpu_parity {
namespace {

void kernels_match_cpu(DType dt) {
  const ScopedKernelSwitch off(cudnn_switch(), false);
  Generator gen(60);
  for (const Shape& shape : batch_norm_shapes())
    for (bool training : {true, false})
      for (bool strided : {false, true}) batch_norm_matches_cpu(dt, shape, training, strided, gen);
}

TEST(BatchNormParity, F32) {
  NIMBUS_REQUIRE_GPU();
  kernels_match_cpu(DType::f32);
}

TEST(BatchNormParity, F64) {
  NIMBUS_REQUIRE_GPU();
  kernels_match_cpu(DType::f64);
}

TEST(BatchNormParity, RunsAreBitIdentical) {
  NIMBUS_REQUIRE_GPU();
  const ScopedKernelSwitch off(cudnn_switch(), false);
  Generator gen(61);
  const Shape shape{8, 16, 33, 31};
  const Tensor x = random_tensor(shape, DType::f32, Dist::normal, gen).to(gpu());
  const Tensor g = random_tensor(shape, DType::f32, Dist::normal, gen).to(gpu());
  const Tensor w = random_tensor({16}, DType::f32, Dist::normal, gen).to(gpu());
  const Tensor b = random_tensor({16}, DType::f32, Dist::normal, gen).to(gpu());
  auto run = [&] {
    const BatchNormResult r = batch_norm(x, w, b, Tensor(), Tensor(), true);
    const BatchNormGrads gr = batch_norm_backward(g, x, r.mean, r.rstd, w, true);
    return std::vector<Tensor>{r.output.to(Device::cpu()), r.var.to(Device::cpu()), gr.grad_input.to(Device::cpu()),
                               gr.grad_weight.to(Device::cpu())};
  };
  const std::vector<Tensor> first = run(), second = run();
  for (size_t i = 0; i < first.size(); ++i)
    EXPECT_EQ(std::memcmp(first[i].data_ptr(), second[i].data_ptr(), first[i].numel() * sizeof(float)), 0)
        << "result " << i;
}

}  // namespace
}  // namespace nimbus::gpu_parity
