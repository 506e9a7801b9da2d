#pragma once
// conv2d_backward on the GPU against the CPU for one (grad_out, x, w) and one choice of wanted
// gradients: shared by the convolution parity tests of our kernels and of cuDNN.
#include <gtest/gtest.h>

#include <string>

#include "gpu/parity_harness.h"
#include "kernels/conv_ops.h"

namespace nimbus::gpu_parity {

// The tolerance for sums of `terms` products in `dt` (each test has its own: cuDNN's 16-bit sums
// round differently from our kernels').
using SumTolerance = Tol (*)(DType dt, int64_t terms);

// The GPU gives the gradients asked for and only those, each within tolerance(dt, the length of
// its sums) of the CPU's. `what` names the case in failures.
inline void expect_conv_backward_matches(const Tensor& g, const Tensor& x, const Tensor& w, const Conv2dParams& p,
                                         bool need_input, bool need_weight, bool need_bias, DType dt,
                                         SumTolerance tolerance, const std::string& what) {
  const int64_t input_terms = (w.size(0) / p.groups) * w.size(2) * w.size(3);
  const int64_t weight_terms = g.size(0) * g.size(2) * g.size(3);
  const Conv2dGrads gc = conv2d_backward(g, x, w, p, need_input, need_weight, need_bias);
  const Conv2dGrads gg = conv2d_backward(g.to(gpu()), x.to(gpu()), w.to(gpu()), p, need_input, need_weight, need_bias);
  ASSERT_EQ(gg.grad_input.defined(), need_input) << what;
  ASSERT_EQ(gg.grad_weight.defined(), need_weight) << what;
  ASSERT_EQ(gg.grad_bias.defined(), need_bias) << what;
  if (need_input) expect_close(gc.grad_input, gg.grad_input, tolerance(dt, input_terms), what + " grad_input");
  if (need_weight) expect_close(gc.grad_weight, gg.grad_weight, tolerance(dt, weight_terms), what + " grad_weight");
  if (need_bias) expect_close(gc.grad_bias, gg.grad_bias, tolerance(dt, weight_terms), what + " grad_bias");
}

}  // namespace nimbus::gpu_parity
