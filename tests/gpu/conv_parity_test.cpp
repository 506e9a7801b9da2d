// CUDA convolution and pooling against the CPU kernels (Note [GPU parity harness] in
// parity_harness.h): one gtest per op and dtype, e.g. ConvParity/ConvCuda.MatchesCpu/conv2d_f16.
// Skipped without a CUDA device.
//
// Tolerances: conv2d sums products over K = C/groups * kH * kW terms (forward), Og * kH * kW
// (grad_input) or N * Hout * Wout (grad_weight, grad_bias), in another order than the CPU
// (cuBLAS blocks differently from OpenBLAS), so the bounds scale as matmul's do: sqrt(terms), and
// a further 10 for f32/f16/bf16. Pooling is computed in the CPU's order: max values and indices
// must be equal, averages and the pooling gradients within the element tolerance.
#include <algorithm>
#include <cmath>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/conv_ops.h"
#include "kernels/ops.h"
#include "gpu/conv_backward_check.h"
#include "gpu/parity_harness.h"

namespace nimbus::gpu_parity {
namespace {

const std::vector<DType> kFloats = {DType::f32, DType::f64, DType::f16, DType::bf16};

Tol sum_tolerance(DType dt, int64_t terms) {
  const double k = std::sqrt(static_cast<double>(std::max<int64_t>(terms, 1)));
  return tolerance(dt).scaled(dt == DType::f64 ? k : 10 * k);
}

Tensor on(const Tensor& t, Device d) { return t.defined() ? t.to(d) : Tensor(); }

// Built with a stream: GCC 12 warns (-Wrestrict, a known false positive) on "(" + std::string.
std::string pair_str(Pair p) {
  std::ostringstream s;
  s << "(" << p[0] << ", " << p[1] << ")";
  return s.str();
}

// ---- conv2d ----

struct ConvConfig {
  Shape x, w;
  Conv2dParams p;
  bool bias;
};

std::string conv_str(const ConvConfig& c) {
  return shape_str(c.x) + " * " + shape_str(c.w) + " stride " + pair_str(c.p.stride) + " padding " +
         pair_str(c.p.padding) + " dilation " + pair_str(c.p.dilation) + " groups " + std::to_string(c.p.groups) +
         (c.bias ? " bias" : " no bias");
}

// Odd sizes, stride 2, padding, dilation, groups (fewer and more groups than images), depthwise,
// batch 1 and more, 1x1 kernels with and without the no-im2col path, a larger channel count,
// an input with no rows (all padding) and an empty batch.
const std::vector<ConvConfig>& conv_configs() {
  static const std::vector<ConvConfig> c = {
      {{1, 1, 5, 5}, {1, 1, 3, 3}, {}, true},
      {{2, 3, 7, 9}, {4, 3, 3, 3}, {{2, 2}, {1, 1}, {1, 1}, 1}, true},
      {{3, 4, 11, 8}, {6, 2, 3, 2}, {{1, 1}, {1, 0}, {2, 1}, 2}, false},
      {{2, 6, 9, 9}, {6, 1, 3, 3}, {{2, 1}, {1, 1}, {1, 1}, 6}, true},
      {{5, 6, 7, 6}, {9, 2, 2, 3}, {{1, 2}, {0, 2}, {2, 2}, 3}, true},
      {{2, 8, 6, 5}, {5, 8, 1, 1}, {}, true},
      {{2, 4, 7, 7}, {3, 4, 1, 1}, {{2, 2}, {0, 0}, {1, 1}, 1}, false},
      {{4, 3, 13, 13}, {8, 3, 5, 5}, {{2, 2}, {2, 2}, {1, 1}, 1}, true},
      {{1, 16, 17, 17}, {32, 16, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, 1}, true},
      {{1, 2, 0, 3}, {3, 2, 1, 1}, {{1, 1}, {1, 1}, {1, 1}, 1}, true},
      {{0, 3, 5, 5}, {2, 3, 3, 3}, {}, true},
  };
  return c;
}

OpCase conv2d_case() {
  return {"conv2d", kFloats, [](DType dt) {
            Generator gen(31);
            for (const ConvConfig& c : conv_configs()) {
              const Tensor x = random_tensor(c.x, dt, Dist::normal, gen);
              const Tensor w = random_tensor(c.w, dt, Dist::normal, gen);
              const Tensor b = c.bias ? random_tensor({c.w[0]}, dt, Dist::normal, gen) : Tensor();
              const Tensor cpu = conv2d(x, w, b, c.p);
              const Tensor gpu_out = conv2d(x.to(gpu()), w.to(gpu()), on(b, gpu()), c.p);
              expect_close(cpu, gpu_out, sum_tolerance(dt, c.w[1] * c.w[2] * c.w[3] + 1),
                           describe("conv2d", dt, c.x, conv_str(c)));
            }
          }};
}

OpCase conv2d_backward_case() {
  return {"conv2d_backward", kFloats, [](DType dt) {
            Generator gen(32);
            for (const ConvConfig& c : conv_configs()) {
              const Tensor x = random_tensor(c.x, dt, Dist::normal, gen);
              const Tensor w = random_tensor(c.w, dt, Dist::normal, gen);
              const Tensor g = random_tensor(conv2d(x, w, Tensor(), c.p).shape(), dt, Dist::normal, gen);
              // Every gradient, then each alone (the kernel skips the work of the others).
              for (int want = 0; want < 4; ++want)
                expect_conv_backward_matches(
                    g, x, w, c.p, /*need_input=*/want == 0 || want == 1, /*need_weight=*/want == 0 || want == 2,
                    /*need_bias=*/want == 0 || want == 3, dt, sum_tolerance,
                    describe("conv2d_backward", dt, c.x, conv_str(c) + " want " + std::to_string(want)));
            }
          }};
}

// ---- pooling ----

struct PoolConfig {
  Shape x;
  Pair kernel;
  std::optional<Pair> stride;
  Pair padding{0, 0}, dilation{1, 1};
  bool ceil_mode = false;
};

std::string pool_str(const PoolConfig& c) {
  return "kernel " + pair_str(c.kernel) + " stride " + (c.stride ? pair_str(*c.stride) : "default") + " padding " +
         pair_str(c.padding) + " dilation " + pair_str(c.dilation) + (c.ceil_mode ? " ceil" : " floor");
}

// Overlapping windows (3 at stride 2), padding, the plain 2x2 case (the CPU's fast path),
// non-square windows, dilation, ceil_mode with a last window hanging over the edge.
const std::vector<PoolConfig>& pool_configs() {
  static const std::vector<PoolConfig> c = {
      {{2, 3, 9, 9}, {3, 3}, Pair{2, 2}, {1, 1}},
      {{1, 2, 8, 8}, {2, 2}, std::nullopt},
      {{2, 2, 7, 10}, {3, 2}, Pair{2, 1}, {1, 0}},
      {{1, 3, 10, 7}, {3, 3}, Pair{2, 2}, {0, 0}, {1, 1}, true},
      {{1, 2, 10, 7}, {3, 3}, Pair{2, 2}, {1, 1}, {1, 1}, true},
      {{2, 1, 11, 12}, {3, 2}, Pair{1, 2}, {2, 1}, {2, 2}},
      {{3, 4, 5, 6}, {5, 6}, std::nullopt},
  };
  return c;
}

// Small integers (ties between window elements, so the index rule shows) and, at -5, NaN.
Tensor pool_input(const Shape& shape, DType dt, Generator& gen, bool with_nan) {
  Tensor x = random_tensor(shape, DType::f32, Dist::small_int, gen);
  if (with_nan) x = where(eq(x, full(shape, -5.0, {DType::f32})), full(shape, NAN, {DType::f32}), x);
  return x.to(dt);
}

OpCase max_pool2d_case() {
  return {"max_pool2d", kFloats, [](DType dt) {
            Generator gen(33);
            for (const PoolConfig& c : pool_configs())
              for (const char* input : {"ties", "ties and nan", "normal"}) {
                const std::string kind = input;
                const Tensor x = kind == "normal" ? random_tensor(c.x, dt, Dist::normal, gen)
                                                  : pool_input(c.x, dt, gen, kind != "ties");
                const MaxPool2dResult rc = max_pool2d(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
                const MaxPool2dResult rg =
                    max_pool2d(x.to(gpu()), c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
                const std::string what = describe("max_pool2d", dt, c.x, pool_str(c) + " " + kind);
                expect_close(rc.output, rg.output, {}, what + " output");
                expect_close(rc.indices, rg.indices, {}, what + " indices");
              }
          }};
}

OpCase max_pool2d_backward_case() {
  return {"max_pool2d_backward", kFloats, [](DType dt) {
            Generator gen(34);
            for (const PoolConfig& c : pool_configs()) {
              // Ties make several outputs pick the same input under overlapping windows: sums.
              const Tensor x = pool_input(c.x, dt, gen, false);
              const MaxPool2dResult r = max_pool2d(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
              const Tensor g = random_tensor(r.output.shape(), dt, Dist::normal, gen);
              expect_close(max_pool2d_backward(g, r.indices, c.x),
                           max_pool2d_backward(g.to(gpu()), r.indices.to(gpu()), c.x), tolerance(dt),
                           describe("max_pool2d_backward", dt, c.x, pool_str(c)));
            }
          }};
}

OpCase avg_pool2d_case(bool backward) {
  const std::string name = backward ? "avg_pool2d_backward" : "avg_pool2d";
  return {name, kFloats, [=](DType dt) {
            Generator gen(35);
            for (const PoolConfig& c : pool_configs()) {
              if (c.dilation != Pair{1, 1}) continue;  // avg_pool2d has no dilation
              for (bool include_pad : {true, false}) {
                const std::string what = describe(name, dt, c.x, pool_str(c) + (include_pad ? " count pad" : ""));
                const Tensor x = random_tensor(c.x, dt, Dist::normal, gen);
                const Tensor y = avg_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode, include_pad);
                if (!backward) {
                  expect_close(y, avg_pool2d(x.to(gpu()), c.kernel, c.stride, c.padding, c.ceil_mode, include_pad),
                               tolerance(dt), what);
                  continue;
                }
                const Tensor g = random_tensor(y.shape(), dt, Dist::normal, gen);
                expect_close(
                    avg_pool2d_backward(g, c.x, c.kernel, c.stride, c.padding, c.ceil_mode, include_pad),
                    avg_pool2d_backward(g.to(gpu()), c.x, c.kernel, c.stride, c.padding, c.ceil_mode, include_pad),
                    tolerance(dt), what);
              }
            }
          }};
}

const std::vector<OpCase>& all_cases() {
  static const std::vector<OpCase> cases = {
      conv2d_case(),         conv2d_backward_case(),  max_pool2d_case(),
      max_pool2d_backward_case(), avg_pool2d_case(false), avg_pool2d_case(true),
  };
  return cases;
}

NIMBUS_PARITY_SUITE(ConvParity, ConvCuda, all_cases());

// ---- beyond parity ----

// No atomics anywhere: the same inputs give the same bits every time.
TEST(ConvCudaKernels, BackwardIsDeterministic) {
  NIMBUS_REQUIRE_GPU();
  Generator gen(36);
  const Conv2dParams p{{2, 2}, {1, 1}, {1, 1}, 2};
  const Tensor x = randn({8, 4, 33, 31}, {DType::f32}, gen).to(gpu());
  const Tensor w = randn({6, 2, 3, 3}, {DType::f32}, gen).to(gpu());
  const Tensor g = randn(conv2d(x, w, Tensor(), p).shape(), {DType::f32}, gen).to(gpu());
  const Conv2dGrads first = conv2d_backward(g, x, w, p);
  const Tensor xi = pool_input({8, 4, 33, 31}, DType::f32, gen, false).to(gpu());
  const MaxPool2dResult r = max_pool2d(xi, {3, 3}, Pair{2, 2}, {1, 1});
  const Tensor gp = randn(r.output.shape(), {DType::f32}, gen).to(gpu());
  const std::vector<float> pool_first = max_pool2d_backward(gp, r.indices, xi.shape()).to_vector<float>();
  for (int i = 0; i < 3; ++i) {
    const Conv2dGrads again = conv2d_backward(g, x, w, p);
    EXPECT_EQ(again.grad_input.to_vector<float>(), first.grad_input.to_vector<float>());
    EXPECT_EQ(again.grad_weight.to_vector<float>(), first.grad_weight.to_vector<float>());
    EXPECT_EQ(again.grad_bias.to_vector<float>(), first.grad_bias.to_vector<float>());
    EXPECT_EQ(max_pool2d_backward(gp, r.indices, xi.shape()).to_vector<float>(), pool_first);
  }
}

// Images whose columns take over 128 MB (64 channels * 3 * 3 * 240 * 240 floats) go through the
// GPU kernels one image per chunk: every chunk must land at its own offset, and grad_weight must
// keep accumulating across chunks.
TEST(ConvCudaKernels, LargeImagesRunInChunks) {
  NIMBUS_REQUIRE_GPU();
  Generator gen(38);
  const Conv2dParams p{{1, 1}, {1, 1}, {1, 1}, 2};
  const Tensor x = randn({3, 64, 240, 240}, {DType::f32}, gen);
  const Tensor w = randn({16, 32, 3, 3}, {DType::f32}, gen);
  const Tensor b = randn({16}, {DType::f32}, gen);
  const Tensor y = conv2d(x, w, b, p);
  expect_close(y, conv2d(x.to(gpu()), w.to(gpu()), b.to(gpu()), p), sum_tolerance(DType::f32, 32 * 9 + 1),
               "conv2d large images");
  const Tensor g = randn(y.shape(), {DType::f32}, gen);
  const Conv2dGrads gc = conv2d_backward(g, x, w, p);
  const Conv2dGrads gg = conv2d_backward(g.to(gpu()), x.to(gpu()), w.to(gpu()), p);
  expect_close(gc.grad_input, gg.grad_input, sum_tolerance(DType::f32, 8 * 9), "large images grad_input");
  expect_close(gc.grad_weight, gg.grad_weight, sum_tolerance(DType::f32, 3 * 240 * 240), "large images grad_weight");
  expect_close(gc.grad_bias, gg.grad_bias, sum_tolerance(DType::f32, 3 * 240 * 240), "large images grad_bias");
}

// Inputs in another layout are made contiguous by the public op before the kernel sees them.
TEST(ConvCudaKernels, NonContiguousInputs) {
  NIMBUS_REQUIRE_GPU();
  Generator gen(37);
  const Tensor x = randn({2, 3, 9, 7}, {DType::f32}, gen).transpose(2, 3);  // [2, 3, 7, 9]
  const Tensor w = randn({4, 3, 3, 3}, {DType::f32}, gen);
  const Conv2dParams p{{1, 2}, {1, 0}, {1, 1}, 1};
  expect_close(conv2d(x, w, Tensor(), p), conv2d(x.to(gpu()), w.to(gpu()), Tensor(), p), sum_tolerance(DType::f32, 27),
               "conv2d transposed input");
}

}  // namespace
}  // namespace nimbus::gpu_parity
