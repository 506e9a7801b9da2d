// cuDNN convolution on cuda:0 (switch on, Note [cuDNN convolution] in kernels/cuda/cudnn_conv.cu)
// against the CPU kernels: forward, backward data and backward filter over odd sizes, stride 2,
// padding, dilation, groups and 1x1 kernels, in f32, f64, f16 and bf16. Each test also checks
// that cuDNN, not the im2col fallback, computed results (cudnn_switch().counts()), since a
// fallback would pass the comparison without testing cuDNN. Skipped without a CUDA device, and
// skipped with the reason when cuDNN cannot be loaded or this build has no cuDNN path.
//
// Tolerances as in conv_parity_test.cpp (sqrt of the number of summed terms, times 10), and a
// further 4 for f16/bf16: cuDNN's tensor-core algorithms may combine partial sums in another
// order and, in the forward, the bias is added after cuDNN has rounded (two roundings, not one).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gpu/conv_backward_check.h"
#include "gpu/parity_harness.h"
#include "kernels/conv_ops.h"
#include "gpu/cudnn_probe.h"
#include "kernels/kernel_switch.h"

namespace nimbus::gpu_parity {
namespace {

struct Config {
  Shape x, w;
  Conv2dParams p;
  bool bias;
};

// Built with a stream: GCC 12 warns (-Wrestrict, a known false positive) on "(" + std::string.
std::string config_str(const Config& c) {
  std::ostringstream s;
  s << shape_str(c.x) << " * " << shape_str(c.w) << " stride (" << c.p.stride[0] << ", " << c.p.stride[1]
    << ") padding (" << c.p.padding[0] << ", " << c.p.padding[1] << ") dilation (" << c.p.dilation[0] << ", "
    << c.p.dilation[1] << ") groups " << c.p.groups << (c.bias ? " bias" : " no bias");
  return s.str();
}

const std::vector<Config>& configs() {
  static const std::vector<Config> c = {
      {{1, 1, 5, 5}, {1, 1, 3, 3}, {}, true},
      {{2, 3, 7, 9}, {4, 3, 3, 3}, {{2, 2}, {1, 1}, {1, 1}, 1}, true},     // odd sizes, stride 2, padding
      {{3, 5, 8, 11}, {7, 5, 3, 3}, {{2, 2}, {0, 0}, {1, 1}, 1}, false},   // stride 2 dropping a partial window
      {{3, 4, 11, 8}, {6, 2, 3, 2}, {{1, 1}, {1, 0}, {2, 1}, 2}, false},   // groups, dilation
      {{2, 6, 9, 9}, {6, 1, 3, 3}, {{2, 1}, {1, 1}, {1, 1}, 6}, true},     // depthwise
      {{5, 6, 7, 6}, {9, 2, 2, 3}, {{1, 2}, {0, 2}, {2, 2}, 3}, true},
      {{2, 8, 6, 5}, {5, 8, 1, 1}, {}, true},                              // 1x1
      {{4, 3, 13, 13}, {8, 3, 5, 5}, {{2, 2}, {2, 2}, {1, 1}, 1}, true},
      {{2, 16, 17, 17}, {32, 16, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, 1}, true},
  };
  return c;
}

Tol sum_tolerance(DType dt, int64_t terms) {
  const double k = std::sqrt(static_cast<double>(std::max<int64_t>(terms, 1)));
  const bool sixteen_bit = dt == DType::f16 || dt == DType::bf16;
  return tolerance(dt).scaled(dt == DType::f64 ? k : (sixteen_bit ? 40 : 10) * k);
}

Tensor on(const Tensor& t, Device d) { return t.defined() ? t.to(d) : Tensor(); }

// The easiest case there is for cuDNN's convolution (gpu/cudnn_probe.h).
void probe_convolution() {
  Generator gen(40);
  const Tensor x = random_tensor({1, 2, 6, 6}, DType::f32, Dist::normal, gen).to(gpu());
  const Tensor w = random_tensor({3, 2, 3, 3}, DType::f32, Dist::normal, gen).to(gpu());
  (void)conv2d(x, w).to(Device::cpu());
}
#define NIMBUS_REQUIRE_CUDNN() NIMBUS_REQUIRE_CUDNN_FOR("3x3 convolution", probe_convolution)

void forward_matches_cpu(DType dt) {
  const ScopedKernelSwitch on_switch(cudnn_switch(), true);
  Generator gen(41);
  const KernelSwitch::Counts before = cudnn_switch().counts();
  for (const Config& c : configs()) {
    const Tensor x = random_tensor(c.x, dt, Dist::normal, gen);
    const Tensor w = random_tensor(c.w, dt, Dist::normal, gen);
    const Tensor b = c.bias ? random_tensor({c.w[0]}, dt, Dist::normal, gen) : Tensor();
    const Tensor cpu = conv2d(x, w, b, c.p);
    const Tensor gpu_out = conv2d(x.to(gpu()), w.to(gpu()), on(b, gpu()), c.p);
    expect_close(cpu, gpu_out, sum_tolerance(dt, c.w[1] * c.w[2] * c.w[3] + 1),
                 describe("cudnn conv2d", dt, c.x, config_str(c)));
  }
  const KernelSwitch::Counts after = cudnn_switch().counts();
  EXPECT_GT(after.ran, before.ran) << "no forward ran on cuDNN for " << dtype_name(dt);
  std::cout << "[ cudnn    ] conv2d " << dtype_name(dt) << ": " << after.ran - before.ran
            << " on cuDNN, " << after.fell_back - before.fell_back << " fell back\n";
}

void backward_matches_cpu(DType dt) {
  const ScopedKernelSwitch on_switch(cudnn_switch(), true);
  Generator gen(42);
  const KernelSwitch::Counts before = cudnn_switch().counts();
  for (const Config& c : configs()) {
    const Tensor x = random_tensor(c.x, dt, Dist::normal, gen);
    const Tensor w = random_tensor(c.w, dt, Dist::normal, gen);
    const Tensor g = random_tensor(conv2d(x, w, Tensor(), c.p).shape(), dt, Dist::normal, gen);
    // Every gradient, then each of grad_input and grad_weight alone.
    for (int want = 0; want < 3; ++want)
      expect_conv_backward_matches(
          g, x, w, c.p, /*need_input=*/want != 2, /*need_weight=*/want != 1, /*need_bias=*/want == 0, dt, sum_tolerance,
          describe("cudnn conv2d_backward", dt, c.x, config_str(c) + " want " + std::to_string(want)));
  }
  const KernelSwitch::Counts after = cudnn_switch().counts();
  EXPECT_GT(after.ran, before.ran) << "no backward ran on cuDNN for " << dtype_name(dt);
  std::cout << "[ cudnn    ] conv2d_backward " << dtype_name(dt) << ": " << after.ran - before.ran
            << " on cuDNN, " << after.fell_back - before.fell_back << " fell back\n";
}

TEST(CudnnConvParity, ForwardF32) {
  NIMBUS_REQUIRE_CUDNN();
  forward_matches_cpu(DType::f32);
}
TEST(CudnnConvParity, ForwardF64) {
  NIMBUS_REQUIRE_CUDNN();
  forward_matches_cpu(DType::f64);
}
TEST(CudnnConvParity, ForwardF16) {
  NIMBUS_REQUIRE_CUDNN();
  forward_matches_cpu(DType::f16);
}
TEST(CudnnConvParity, ForwardBF16) {
  NIMBUS_REQUIRE_CUDNN();
  forward_matches_cpu(DType::bf16);
}
TEST(CudnnConvParity, BackwardF32) {
  NIMBUS_REQUIRE_CUDNN();
  backward_matches_cpu(DType::f32);
}
TEST(CudnnConvParity, BackwardF64) {
  NIMBUS_REQUIRE_CUDNN();
  backward_matches_cpu(DType::f64);
}
TEST(CudnnConvParity, BackwardF16) {
  NIMBUS_REQUIRE_CUDNN();
  backward_matches_cpu(DType::f16);
}
TEST(CudnnConvParity, BackwardBF16) {
  NIMBUS_REQUIRE_CUDNN();
  backward_matches_cpu(DType::bf16);
}

// Switched off, the im2col kernels run and cuDNN is not even asked.
TEST(CudnnConvParity, SwitchOffLeavesCudnnUnused) {
  NIMBUS_REQUIRE_GPU();
  const ScopedKernelSwitch off_switch(cudnn_switch(), false);
  const KernelSwitch::Counts before = cudnn_switch().counts();
  Generator gen(43);
  const Tensor x = random_tensor({2, 3, 7, 9}, DType::f32, Dist::normal, gen);
  const Tensor w = random_tensor({4, 3, 3, 3}, DType::f32, Dist::normal, gen);
  const Tensor gpu_out = conv2d(x.to(gpu()), w.to(gpu()));
  (void)conv2d_backward(conv2d(x, w).to(gpu()), x.to(gpu()), w.to(gpu()), {}, true, true, false);
  const KernelSwitch::Counts after = cudnn_switch().counts();
  EXPECT_EQ(after.ran, before.ran);
  EXPECT_EQ(after.fell_back, before.fell_back);
  expect_close(conv2d(x, w), gpu_out, sum_tolerance(DType::f32, 28), "conv2d with the switch off");
}

}  // namespace
}  // namespace nimbus::gpu_parity
