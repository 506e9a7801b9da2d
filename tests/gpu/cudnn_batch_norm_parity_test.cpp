// cuDNN batch norm on cuda:0 (switch on, Note [cuDNN batch norm] in
// kernels/cuda/cudnn_batch_norm.cpp) against the CPU kernels: forward and backward, training and
// evaluation, f32 and f64, over the shapes of gpu/batch_norm_cases.h. Each test also checks that
// cuDNN, not batch_norm.cu's kernels, computed results (cudnn_switch().counts()), since a fallback
// would pass the comparison without testing cuDNN; the evaluation backward is not cuDNN's and must
// count as a fallback. Skipped without a CUDA device, and skipped with the reason when cuDNN
// cannot be loaded or this build has no cuDNN path.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "gpu/batch_norm_cases.h"
#include "gpu/cudnn_probe.h"
#include "kernels/kernel_switch.h"

namespace nimbus::gpu_parity {
namespace {

// The easiest case there is for cuDNN's batch norm, a training forward (gpu/cudnn_probe.h).
void probe_batch_norm() {
  Generator gen(70);
  const Tensor x = random_tensor({4, 3, 5, 5}, DType::f32, Dist::normal, gen).to(gpu());
  (void)batch_norm(x, ones({3}).to(gpu()), zeros({3}).to(gpu()), Tensor(), Tensor(), true).output.to(Device::cpu());
}
#define NIMBUS_REQUIRE_CUDNN_BATCH_NORM() NIMBUS_REQUIRE_CUDNN_FOR("batch norm", probe_batch_norm)

void matches_cpu_on_cudnn(DType dt, bool training) {
  const ScopedKernelSwitch on_switch(cudnn_switch(), true);
  Generator gen(71);
  const KernelSwitch::Counts before = cudnn_switch().counts();
  for (const Shape& shape : batch_norm_shapes())
    for (bool strided : {false, true}) batch_norm_matches_cpu(dt, shape, training, strided, gen);
  const KernelSwitch::Counts after = cudnn_switch().counts();
  const int64_t cases = static_cast<int64_t>(batch_norm_shapes().size()) * 2;
  std::cout << "[ cudnn    ] batch_norm " << dtype_name(dt) << (training ? " train" : " eval") << ": "
            << after.ran - before.ran << " on cuDNN, " << after.fell_back - before.fell_back << " fell back\n";
  // cuDNN computed results (a decline of some shape is allowed, and shows in the counts above);
  // in evaluation every backward is counted as left to our kernels.
  EXPECT_GT(after.ran, before.ran) << "no batch norm ran on cuDNN for " << dtype_name(dt);
  if (!training) {
    EXPECT_GE(after.fell_back - before.fell_back, cases);
  }
}

TEST(CudnnBatchNormParity, TrainingF32) {
  NIMBUS_REQUIRE_CUDNN_BATCH_NORM();
  matches_cpu_on_cudnn(DType::f32, true);
}
TEST(CudnnBatchNormParity, TrainingF64) {
  NIMBUS_REQUIRE_CUDNN_BATCH_NORM();
  matches_cpu_on_cudnn(DType::f64, true);
}
TEST(CudnnBatchNormParity, EvaluationF32) {
  NIMBUS_REQUIRE_CUDNN_BATCH_NORM();
  matches_cpu_on_cudnn(DType::f32, false);
}
TEST(CudnnBatchNormParity, EvaluationF64) {
  NIMBUS_REQUIRE_CUDNN_BATCH_NORM();
  matches_cpu_on_cudnn(DType::f64, false);
}

// A forward on cuDNN pairs with a backward on our kernels: the saved mean and rstd mean the same.
TEST(CudnnBatchNormParity, ForwardAndBackwardMayTakeDifferentPaths) {
  NIMBUS_REQUIRE_CUDNN_BATCH_NORM();
  Generator gen(72);
  const Shape shape{4, 3, 9, 7};
  const Tensor x = random_tensor(shape, DType::f32, Dist::normal, gen);
  const Tensor g = random_tensor(shape, DType::f32, Dist::normal, gen);
  const Tensor w = random_tensor({3}, DType::f32, Dist::normal, gen);
  const Tensor b = random_tensor({3}, DType::f32, Dist::normal, gen);
  BatchNormResult dev;
  {
    const ScopedKernelSwitch on_switch(cudnn_switch(), true);
    dev = batch_norm(x.to(gpu()), w.to(gpu()), b.to(gpu()), Tensor(), Tensor(), true);
  }
  const ScopedKernelSwitch off_switch(cudnn_switch(), false);
  const BatchNormGrads gd = batch_norm_backward(g.to(gpu()), x.to(gpu()), dev.mean, dev.rstd, w.to(gpu()), true);
  const BatchNormResult cpu = batch_norm(x, w, b, Tensor(), Tensor(), true);
  const BatchNormGrads gc = batch_norm_backward(g, x, cpu.mean, cpu.rstd, w, true);
  const Tol tol = batch_norm_tolerance(DType::f32, shape);
  expect_close(cpu.var, dev.var, tol, "batch_norm var from cuDNN's unbiased variance");
  expect_close(gc.grad_input, gd.grad_input, tol, "grad_input after a cuDNN forward");
}

}  // namespace
}  // namespace nimbus::gpu_parity
