#pragma once
// The batch norm parity cases shared by batch_norm_parity_test.cpp (our CUDA kernels) and
// cudnn_batch_norm_parity_test.cpp (cuDNN behind its switch): random inputs on the CPU and on
// cuda:0, forward (output, mean, rstd, var) and backward (grad_input, grad_weight, grad_bias) in
// training and evaluation, compared under a tolerance that grows with the square root of the
// values a channel sums (the devices add them in different orders).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gpu/parity_harness.h"
#include "kernels/nn_ops.h"

namespace nimbus::gpu_parity {

// [N, C] and [N, C, H, W], odd sizes, one value per channel and image, many rows of few channels,
// and channels long enough to loop many times over a block.
inline const std::vector<Shape>& batch_norm_shapes() {
  static const std::vector<Shape> s = {{2, 1},       {5, 3},       {1024, 7},     {3, 4, 5, 7},
                                       {2, 3, 1, 1}, {4, 3, 16, 17}, {2, 8, 64, 65}, {1, 2, 9, 11}};
  return s;
}

inline Tol batch_norm_tolerance(DType dt, const Shape& shape) {
  int64_t per_channel = shape[0];
  for (size_t d = 2; d < shape.size(); ++d) per_channel *= shape[d];
  return tolerance(dt).scaled(10 * std::sqrt(static_cast<double>(std::max<int64_t>(per_channel, 1))));
}

// Runs forward and backward on the CPU and on the GPU and compares all seven results. A strided
// input (every second element of the last dim) checks that the op makes it contiguous first.
inline void batch_norm_matches_cpu(DType dt, const Shape& shape, bool training, bool strided, Generator& gen) {
  const int64_t c = shape[1];
  const Input x = make_input(shape, dt, strided ? Layout::strided : Layout::contiguous, gen);
  const Tensor w = random_tensor({c}, dt, Dist::normal, gen), b = random_tensor({c}, dt, Dist::normal, gen);
  const Tensor rm = random_tensor({c}, dt, Dist::normal, gen), rv = random_tensor({c}, dt, Dist::positive, gen);
  const Tensor g = random_tensor(shape, dt, Dist::normal, gen);
  const std::string what = std::string(training ? "train" : "eval") + (strided ? " strided" : "");
  const Tol tol = batch_norm_tolerance(dt, shape);

  const BatchNormResult cpu = batch_norm(x.on(Device::cpu()), w, b, rm, rv, training);
  const Tensor xg = x.on(gpu()), wg = w.to(gpu());
  const BatchNormResult dev = batch_norm(xg, wg, b.to(gpu()), rm.to(gpu()), rv.to(gpu()), training);
  expect_close(cpu.output, dev.output, tol, describe("batch_norm output", dt, shape, what));
  expect_close(cpu.mean, dev.mean, tol, describe("batch_norm mean", dt, shape, what));
  expect_close(cpu.rstd, dev.rstd, tol, describe("batch_norm rstd", dt, shape, what));
  if (training) expect_close(cpu.var, dev.var, tol, describe("batch_norm var", dt, shape, what));

  const BatchNormGrads gc = batch_norm_backward(g, x.on(Device::cpu()), cpu.mean, cpu.rstd, w, training);
  const BatchNormGrads gd = batch_norm_backward(g.to(gpu()), xg, dev.mean, dev.rstd, wg, training);
  expect_close(gc.grad_input, gd.grad_input, tol, describe("batch_norm_backward grad_input", dt, shape, what));
  expect_close(gc.grad_weight, gd.grad_weight, tol, describe("batch_norm_backward grad_weight", dt, shape, what));
  expect_close(gc.grad_bias, gd.grad_bias, tol, describe("batch_norm_backward grad_bias", dt, shape, what));
}

}  // namespace nimbus::gpu_parity
