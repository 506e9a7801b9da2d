// cuDNN average pooling on cuda:0 (switch on, Note [cuDNN pooling] in kernels/cuda/cudnn_pool.cpp)
// against the CPU kernels: forward and backward over odd sizes, padding, strides other than the
// window, non-square windows and ceil_mode, with and without count_include_pad, in f32, f64, f16
// and bf16. Each test also checks that cuDNN, not pool.cuh's fallback, computed results
// (cudnn_switch().counts()), since a fallback would pass the comparison without testing cuDNN; bf16
// only reports its counts, as cuDNN's pooling may lack that type (a decline is correct behaviour).
// Max pooling stays on our kernels with the switch on; a test checks that it still matches the CPU
// and leaves cuDNN alone. Skipped without a CUDA device, and skipped with the reason when cuDNN
// cannot be loaded or this build has no cuDNN path.
//
// Tolerances: the CPU sums each window in order and divides once; cuDNN may sum in another order
// or multiply by a reciprocal, so the element tolerance is scaled by the square root of the terms
// summed, times 10 (times 40 for f16/bf16), as in cudnn_conv_parity_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gpu/parity_harness.h"
#include "kernels/conv_ops.h"
#include "gpu/cudnn_probe.h"
#include "kernels/kernel_switch.h"

namespace nimbus::gpu_parity {
namespace {

struct Config {
  Shape x;
  Pair kernel;
  std::optional<Pair> stride;
  Pair padding{0, 0};
  bool ceil_mode = false;
};

// Built with a stream: GCC 12 warns (-Wrestrict, a known false positive) on "(" + std::string.
std::string config_str(const Config& c, bool include_pad) {
  std::ostringstream s;
  s << shape_str(c.x) << " kernel (" << c.kernel[0] << ", " << c.kernel[1] << ") stride ";
  if (c.stride) s << "(" << (*c.stride)[0] << ", " << (*c.stride)[1] << ")";
  else s << "default";
  s << " padding (" << c.padding[0] << ", " << c.padding[1] << ")" << (c.ceil_mode ? " ceil" : " floor")
    << (include_pad ? " count pad" : " exclude pad");
  return s.str();
}

// Every one but the last goes to cuDNN; the last has ceil_mode's extra window, which falls back.
const std::vector<Config>& configs() {
  static const std::vector<Config> c = {
      {{1, 1, 4, 4}, {2, 2}, std::nullopt},
      {{2, 3, 9, 9}, {3, 3}, Pair{2, 2}, {1, 1}},           // overlapping windows, padding
      {{2, 2, 7, 10}, {3, 2}, Pair{2, 1}, {1, 0}},          // non-square, stride != window
      {{3, 4, 11, 8}, {2, 3}, Pair{3, 2}, {1, 1}},          // stride > window: skipped elements
      {{1, 3, 8, 8}, {2, 2}, Pair{2, 2}, {0, 0}, true},     // ceil_mode without an extra window
      {{3, 5, 13, 13}, {5, 5}, Pair{2, 2}, {2, 2}},
      {{2, 16, 17, 17}, {3, 3}, Pair{1, 1}, {1, 1}},
      {{1, 3, 10, 7}, {3, 3}, Pair{2, 2}, {0, 0}, true},    // ceil_mode with an extra window: fallback
  };
  return c;
}

Tol sum_tolerance(DType dt, int64_t terms) {
  const double k = std::sqrt(static_cast<double>(std::max<int64_t>(terms, 1)));
  const bool sixteen_bit = dt == DType::f16 || dt == DType::bf16;
  return tolerance(dt).scaled((sixteen_bit ? 40 : 10) * k);
}

// The most output windows that cover one input element.
int64_t covering_windows(const Config& c) {
  const Pair s = c.stride.value_or(c.kernel);
  return ((c.kernel[0] + s[0] - 1) / s[0]) * ((c.kernel[1] + s[1] - 1) / s[1]);
}

// The easiest case there is for cuDNN's pooling (gpu/cudnn_probe.h).
void probe_average_pooling() {
  Generator gen(50);
  const Tensor x = random_tensor({1, 2, 6, 6}, DType::f32, Dist::normal, gen).to(gpu());
  (void)avg_pool2d(x, {2, 2}).to(Device::cpu());
}
#define NIMBUS_REQUIRE_CUDNN() NIMBUS_REQUIRE_CUDNN_FOR("2x2 average pooling", probe_average_pooling)

// Checks that cuDNN computed some of what ran since `before` (bf16: reports only).
void expect_ran(const KernelSwitch::Counts& before, DType dt, const char* op) {
  const KernelSwitch::Counts after = cudnn_switch().counts();
  std::cout << "[ cudnn    ] " << op << " " << dtype_name(dt) << ": " << after.ran - before.ran << " on cuDNN, "
            << after.fell_back - before.fell_back << " fell back\n";
  if (dt != DType::bf16) {
    EXPECT_GT(after.ran, before.ran) << "no " << op << " ran on cuDNN for " << dtype_name(dt);
  }
}

void forward_matches_cpu(DType dt) {
  const ScopedKernelSwitch on_switch(cudnn_switch(), true);
  Generator gen(51);
  const KernelSwitch::Counts before = cudnn_switch().counts();
  for (const Config& c : configs())
    for (bool include_pad : {true, false}) {
      const Tensor x = random_tensor(c.x, dt, Dist::normal, gen);
      const Tensor cpu = avg_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode, include_pad);
      const Tensor gpu_out = avg_pool2d(x.to(gpu()), c.kernel, c.stride, c.padding, c.ceil_mode, include_pad);
      expect_close(cpu, gpu_out, sum_tolerance(dt, c.kernel[0] * c.kernel[1]),
                   describe("cudnn avg_pool2d", dt, c.x, config_str(c, include_pad)));
    }
  expect_ran(before, dt, "avg_pool2d");
}

void backward_matches_cpu(DType dt) {
  const ScopedKernelSwitch on_switch(cudnn_switch(), true);
  Generator gen(52);
  const KernelSwitch::Counts before = cudnn_switch().counts();
  for (const Config& c : configs())
    for (bool include_pad : {true, false}) {
      const Shape out_shape =
          avg_pool2d(zeros(c.x, {dt}), c.kernel, c.stride, c.padding, c.ceil_mode, include_pad).shape();
      const Tensor g = random_tensor(out_shape, dt, Dist::normal, gen);
      const Tensor cpu = avg_pool2d_backward(g, c.x, c.kernel, c.stride, c.padding, c.ceil_mode, include_pad);
      const Tensor gpu_grad =
          avg_pool2d_backward(g.to(gpu()), c.x, c.kernel, c.stride, c.padding, c.ceil_mode, include_pad);
      expect_close(cpu, gpu_grad, sum_tolerance(dt, covering_windows(c)),
                   describe("cudnn avg_pool2d_backward", dt, c.x, config_str(c, include_pad)));
    }
  expect_ran(before, dt, "avg_pool2d_backward");
}

TEST(CudnnPoolParity, ForwardF32) {
  NIMBUS_REQUIRE_CUDNN();
  forward_matches_cpu(DType::f32);
}
TEST(CudnnPoolParity, ForwardF64) {
  NIMBUS_REQUIRE_CUDNN();
  forward_matches_cpu(DType::f64);
}
TEST(CudnnPoolParity, ForwardF16) {
  NIMBUS_REQUIRE_CUDNN();
  forward_matches_cpu(DType::f16);
}
TEST(CudnnPoolParity, ForwardBF16) {
  NIMBUS_REQUIRE_CUDNN();
  forward_matches_cpu(DType::bf16);
}
TEST(CudnnPoolParity, BackwardF32) {
  NIMBUS_REQUIRE_CUDNN();
  backward_matches_cpu(DType::f32);
}
TEST(CudnnPoolParity, BackwardF64) {
  NIMBUS_REQUIRE_CUDNN();
  backward_matches_cpu(DType::f64);
}
TEST(CudnnPoolParity, BackwardF16) {
  NIMBUS_REQUIRE_CUDNN();
  backward_matches_cpu(DType::f16);
}
TEST(CudnnPoolParity, BackwardBF16) {
  NIMBUS_REQUIRE_CUDNN();
  backward_matches_cpu(DType::bf16);
}

// ceil_mode's extra window is not cuDNN's to compute: counted as a fallback, and still the CPU's.
TEST(CudnnPoolParity, CeilModeExtraWindowFallsBack) {
  NIMBUS_REQUIRE_CUDNN();
  const ScopedKernelSwitch on_switch(cudnn_switch(), true);
  Generator gen(53);
  const Tensor x = random_tensor({1, 3, 10, 7}, DType::f32, Dist::normal, gen);
  const KernelSwitch::Counts before = cudnn_switch().counts();
  const Tensor gpu_out = avg_pool2d(x.to(gpu()), {3, 3}, Pair{2, 2}, {0, 0}, true);
  const KernelSwitch::Counts after = cudnn_switch().counts();
  EXPECT_EQ(after.ran, before.ran);
  EXPECT_EQ(after.fell_back, before.fell_back + 1);
  expect_close(avg_pool2d(x, {3, 3}, Pair{2, 2}, {0, 0}, true), gpu_out, sum_tolerance(DType::f32, 9),
               "avg_pool2d with ceil_mode's extra window");
}

// The two halves of average pooling share no state, so a forward on cuDNN and a backward on our
// kernels (or the reverse) still give the CPU's gradient.
TEST(CudnnPoolParity, ForwardAndBackwardMayTakeDifferentPaths) {
  NIMBUS_REQUIRE_CUDNN();
  Generator gen(54);
  const Config c{{2, 3, 9, 9}, {3, 3}, Pair{2, 2}, {1, 1}};
  const Tensor x = random_tensor(c.x, DType::f32, Dist::normal, gen);
  const Tensor y = avg_pool2d(x, c.kernel, c.stride, c.padding);
  const Tensor g = random_tensor(y.shape(), DType::f32, Dist::normal, gen);
  const Tensor expected = avg_pool2d_backward(g, c.x, c.kernel, c.stride, c.padding);
  for (bool forward_on_cudnn : {true, false}) {
    Tensor gpu_y, gpu_grad;
    {
      const ScopedKernelSwitch s(cudnn_switch(), forward_on_cudnn);
      gpu_y = avg_pool2d(x.to(gpu()), c.kernel, c.stride, c.padding);
    }
    {
      const ScopedKernelSwitch s(cudnn_switch(), !forward_on_cudnn);
      gpu_grad = avg_pool2d_backward(g.to(gpu()), c.x, c.kernel, c.stride, c.padding);
    }
    const std::string what = forward_on_cudnn ? "forward on cuDNN, backward not" : "backward on cuDNN, forward not";
    expect_close(y, gpu_y, sum_tolerance(DType::f32, 9), what + ": output");
    expect_close(expected, gpu_grad, sum_tolerance(DType::f32, covering_windows(c)), what + ": gradient");
  }
}

// Max pooling keeps our kernels with the switch on (its indices tie forward to backward, Note
// [cuDNN pooling]): the CPU's values, indices and gradient, and cuDNN not even asked.
TEST(CudnnPoolParity, MaxPoolingStaysOnOurKernels) {
  NIMBUS_REQUIRE_GPU();
  const ScopedKernelSwitch on_switch(cudnn_switch(), true);
  Generator gen(55);
  const Tensor x = random_tensor({2, 3, 9, 9}, DType::f32, Dist::normal, gen);
  const KernelSwitch::Counts before = cudnn_switch().counts();
  const MaxPool2dResult cpu = max_pool2d(x, {3, 3}, Pair{2, 2}, {1, 1});
  const MaxPool2dResult gpu_r = max_pool2d(x.to(gpu()), {3, 3}, Pair{2, 2}, {1, 1});
  const Tensor g = random_tensor(cpu.output.shape(), DType::f32, Dist::normal, gen);
  const Tensor gpu_grad = max_pool2d_backward(g.to(gpu()), gpu_r.indices, x.shape());
  const KernelSwitch::Counts after = cudnn_switch().counts();
  EXPECT_EQ(after.ran, before.ran);
  EXPECT_EQ(after.fell_back, before.fell_back);
  expect_close(cpu.output, gpu_r.output, tolerance(DType::f32), "max_pool2d with the switch on");
  EXPECT_EQ(cpu.indices.to_vector<int64_t>(), gpu_r.indices.to(Device::cpu()).to_vector<int64_t>());
  expect_close(max_pool2d_backward(g, cpu.indices, x.shape()), gpu_grad, tolerance(DType::f32),
               "max_pool2d_backward with the switch on");
}

// Switched off, pool.cuh's kernels run and cuDNN is not even asked.
TEST(CudnnPoolParity, SwitchOffLeavesCudnnUnused) {
  NIMBUS_REQUIRE_GPU();
  const ScopedKernelSwitch off_switch(cudnn_switch(), false);
  const KernelSwitch::Counts before = cudnn_switch().counts();
  Generator gen(56);
  const Tensor x = random_tensor({2, 3, 7, 9}, DType::f32, Dist::normal, gen);
  const Tensor gpu_out = avg_pool2d(x.to(gpu()), {3, 3}, Pair{2, 2}, {1, 1});
  (void)avg_pool2d_backward(gpu_out, x.shape(), {3, 3}, Pair{2, 2}, {1, 1});
  const KernelSwitch::Counts after = cudnn_switch().counts();
  EXPECT_EQ(after.ran, before.ran);
  EXPECT_EQ(after.fell_back, before.fell_back);
  expect_close(avg_pool2d(x, {3, 3}, Pair{2, 2}, {1, 1}), gpu_out, sum_tolerance(DType::f32, 9),
               "avg_pool2d with the switch off");
}

}  // namespace
}  // namespace nimbus::gpu_parity
