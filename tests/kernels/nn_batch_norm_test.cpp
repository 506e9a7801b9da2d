// batch_norm and batch_norm_backward against scalar float64 references written here and against
// central finite differences: [N, C] and [N, C, H, W] inputs of odd sizes, training and
// evaluation, non-contiguous inputs, a large mean against a small spread, determinism, empty
// batches and error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/nn_ops.h"
#include "kernels/ops.h"
#include "reference.h"

namespace nimbus {
namespace {

using testing::expect_error;
using testing::non_contiguous;
using testing::numeric_grad;
using testing::random_tensor;
using testing::values;

// Channel statistics and output of x [N, C, S] (row-major values), in float64.
struct RefBatchNorm {
  std::vector<double> out, mean, var, rstd;
};

RefBatchNorm ref_batch_norm(const std::vector<double>& x, int64_t n, int64_t c, int64_t s,
                            const std::vector<double>& w, const std::vector<double>& b, const std::vector<double>* rm,
                            const std::vector<double>* rv, double eps) {
  RefBatchNorm r;
  r.out.resize(x.size());
  auto at = [&](int64_t i, int64_t ch, int64_t k) { return x[static_cast<size_t>((i * c + ch) * s + k)]; };
  for (int64_t ch = 0; ch < c; ++ch) {
    double m = 0, v = 0;
    if (rm != nullptr) {
      m = (*rm)[ch];
      v = (*rv)[ch];
    } else {
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < s; ++k) m += at(i, ch, k);
      m /= static_cast<double>(n * s);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < s; ++k) v += (at(i, ch, k) - m) * (at(i, ch, k) - m);
      v /= static_cast<double>(n * s);
    }
    const double rs = 1 / std::sqrt(v + eps);
    r.mean.push_back(m);
    r.var.push_back(v);
    r.rstd.push_back(rs);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < s; ++k)
        r.out[static_cast<size_t>((i * c + ch) * s + k)] = (at(i, ch, k) - m) * rs * w[ch] + b[ch];
  }
  return r;
}

const std::vector<Shape>& shapes() {
  static const std::vector<Shape> s = {{2, 1}, {5, 3}, {7, 13}, {300, 5}, {2, 3, 1, 1}, {3, 4, 5, 7}, {1, 2, 9, 11},
                                       {4, 3, 16, 17}};
  return s;
}

int64_t spatial_of(const Shape& shape) {
  int64_t s = 1;
  for (size_t d = 2; d < shape.size(); ++d) s *= shape[d];
  return s;
}

TEST(BatchNorm, ForwardMatchesReferenceInTrainingAndEvaluation) {
  uint32_t seed = 1;
  for (DType dt : {DType::f64, DType::f32})
    for (const Shape& shape : shapes())
      for (bool training : {true, false})
        for (bool strided : {false, true}) {
          SCOPED_TRACE(shape_str(shape) + " " + std::string(dtype_name(dt)) + (training ? " train" : " eval") +
                       (strided ? " strided" : ""));
          const int64_t c = shape[1];
          const Tensor x0 = random_tensor(shape, dt, seed++, -3, 5);
          const Tensor x = strided ? non_contiguous(x0) : x0;
          const Tensor w = random_tensor({c}, dt, seed++), b = random_tensor({c}, dt, seed++);
          const Tensor rm = random_tensor({c}, dt, seed++), rv = random_tensor({c}, dt, seed++, 0.5, 2);
          const std::vector<double> rmv = values(rm), rvv = values(rv);
          const BatchNormResult r = batch_norm(x, w, b, rm, rv, training, 1e-5);
          const RefBatchNorm ref = ref_batch_norm(values(x0), shape[0], c, spatial_of(shape), values(w), values(b),
                                                  training ? nullptr : &rmv, training ? nullptr : &rvv, 1e-5);
          const double tol = dt == DType::f64 ? 1e-11 : 2e-5;
          testing::expect_values(r.output, shape, ref.out, tol, tol);
          testing::expect_values(r.mean, {c}, ref.mean, tol, tol);
          testing::expect_values(r.rstd, {c}, ref.rstd, tol, tol);
          if (training) testing::expect_values(r.var, {c}, ref.var, tol, tol);
          else EXPECT_FALSE(r.var.defined());
        }
}

TEST(BatchNorm, BackwardMatchesFiniteDifferences) {
  uint32_t seed = 100;
  for (const Shape& shape : {Shape{5, 3}, Shape{3, 2, 3, 2}, Shape{2, 3, 1, 5}})
    for (bool training : {true, false}) {
      SCOPED_TRACE(shape_str(shape) + (training ? " train" : " eval"));
      const int64_t c = shape[1];
      const Tensor x = random_tensor(shape, DType::f64, seed++);
      const Tensor w = random_tensor({c}, DType::f64, seed++), b = random_tensor({c}, DType::f64, seed++);
      const Tensor rm = random_tensor({c}, DType::f64, seed++), rv = random_tensor({c}, DType::f64, seed++, 0.5, 2);
      const Tensor g = random_tensor(shape, DType::f64, seed++);
      const BatchNormResult r = batch_norm(x, w, b, rm, rv, training);
      const BatchNormGrads grads = batch_norm_backward(non_contiguous(g), x, r.mean, r.rstd, w, training);
      auto out = [&](const Tensor& xx, const Tensor& ww, const Tensor& bb) {
        return batch_norm(xx, ww, bb, rm, rv, training).output;
      };
      const double tol = 1e-6;
      testing::expect_values(grads.grad_input, shape,
                             numeric_grad([&](const Tensor& t) { return out(t, w, b); }, x, g), tol, tol);
      testing::expect_values(grads.grad_weight, {c},
                             numeric_grad([&](const Tensor& t) { return out(x, t, b); }, w, g), tol, tol);
      testing::expect_values(grads.grad_bias, {c},
                             numeric_grad([&](const Tensor& t) { return out(x, w, t); }, b, g), tol, tol);
    }
}

// f32 gradients against the f64 kernel on the same values.
TEST(BatchNorm, F32BackwardMatchesF64) {
  uint32_t seed = 200;
  for (const Shape& shape : shapes())
    for (bool training : {true, false}) {
      SCOPED_TRACE(shape_str(shape) + (training ? " train" : " eval"));
      const int64_t c = shape[1];
      const Tensor x = random_tensor(shape, DType::f32, seed++);
      const Tensor g = random_tensor(shape, DType::f32, seed++);
      const Tensor w = random_tensor({c}, DType::f32, seed++), b = random_tensor({c}, DType::f32, seed++);
      const Tensor rm = random_tensor({c}, DType::f32, seed++), rv = random_tensor({c}, DType::f32, seed++, 0.5, 2);
      auto grads_of = [&](DType dt) {
        const Tensor xd = x.to(dt), wd = w.to(dt);
        const BatchNormResult r = batch_norm(xd, wd, b.to(dt), rm, rv, training);
        return batch_norm_backward(g.to(dt), xd, r.mean, r.rstd, wd, training);
      };
      const BatchNormGrads a = grads_of(DType::f32), e = grads_of(DType::f64);
      // The sums run over up to N * S terms: the tolerance grows with their square root.
      const double tol = 2e-6 * std::sqrt(static_cast<double>(shape[0] * spatial_of(shape))) * 10;
      testing::expect_values(a.grad_input, shape, values(e.grad_input), tol, tol);
      testing::expect_values(a.grad_weight, {c}, values(e.grad_weight), tol, tol);
      testing::expect_values(a.grad_bias, {c}, values(e.grad_bias), tol, tol);
    }
}

// Two passes in double: a mean of 1e4 against a spread of 0.1 keeps the variance's digits in f32,
// where a sum of squares would lose them all.
TEST(BatchNorm, LargeMeanSmallSpread) {
  const Tensor noise = random_tensor({64, 3, 8, 8}, DType::f64, 7, -0.1, 0.1);
  const Tensor x = add(noise, 1e4).to(DType::f32);
  const Tensor w = ones({3}), b = zeros({3});
  const BatchNormResult r = batch_norm(x, w, b, Tensor(), Tensor(), true);
  const std::vector<double> expect = values(var(x.to(DType::f64), {0, 2, 3}, /*correction=*/0));
  testing::expect_values(r.var, {3}, expect, 1e-5, 0);
  const std::vector<double> y = values(r.output);
  double sq = 0;
  for (double v : y) sq += v * v;
  EXPECT_NEAR(sq / static_cast<double>(y.size()), 1.0, 1e-2);  // unit variance after normalizing
}

TEST(BatchNorm, LargeInputsAreDeterministic) {
  const Tensor x = random_tensor({64, 16, 32, 32}, DType::f32, 41), g = random_tensor({64, 16, 32, 32}, DType::f32, 42);
  const Tensor w = random_tensor({16}, DType::f32, 43), b = random_tensor({16}, DType::f32, 44);
  const BatchNormResult a = batch_norm(x, w, b, Tensor(), Tensor(), true);
  const BatchNormResult c = batch_norm(x, w, b, Tensor(), Tensor(), true);
  EXPECT_EQ(std::memcmp(a.output.data_ptr(), c.output.data_ptr(), x.numel() * 4), 0);
  EXPECT_EQ(std::memcmp(a.var.data_ptr(), c.var.data_ptr(), 16 * 4), 0);
  const BatchNormGrads ga = batch_norm_backward(g, x, a.mean, a.rstd, w, true);
  const BatchNormGrads gc = batch_norm_backward(g, x, a.mean, a.rstd, w, true);
  EXPECT_EQ(std::memcmp(ga.grad_input.data_ptr(), gc.grad_input.data_ptr(), x.numel() * 4), 0);
  EXPECT_EQ(std::memcmp(ga.grad_weight.data_ptr(), gc.grad_weight.data_ptr(), 16 * 4), 0);
  // grad_bias is the per-channel sum of g.
  testing::expect_values(ga.grad_bias, {16}, values(sum(g.to(DType::f64), {0, 2, 3})), 1e-5, 1e-3);
}

TEST(BatchNorm, EmptyBatchGivesNaNStatistics) {
  const BatchNormResult r = batch_norm(zeros({0, 3, 2, 2}), ones({3}), zeros({3}), Tensor(), Tensor(), true);
  EXPECT_EQ(r.output.shape(), (Shape{0, 3, 2, 2}));
  for (double m : values(r.mean)) EXPECT_TRUE(std::isnan(m));
  const Tensor none = zeros({0, 3, 2, 2});
  const BatchNormGrads g = batch_norm_backward(none, none, r.mean, r.rstd, ones({3}), true);
  EXPECT_EQ(values(g.grad_bias), (std::vector<double>{0, 0, 0}));
}

TEST(BatchNorm, ErrorsNameTheOpShapesAndDtypes) {
  const Tensor x = zeros({4, 3, 2, 2}), w = ones({3}), b = zeros({3});
  expect_error<ShapeError>([&] { batch_norm(zeros({4}), ones({1}), b, Tensor(), Tensor(), true); },
                           {"batch_norm", "[4]"});
  expect_error<ShapeError>([&] { batch_norm(x, ones({4}), b, Tensor(), Tensor(), true); },
                           {"batch_norm", "weight", "[4]", "[3]"});
  expect_error<ShapeError>([&] { batch_norm(x, w, b, zeros({2}), ones({3}), false); },
                           {"batch_norm", "running_mean", "[2]"});
  expect_error<Error>([&] { batch_norm(x, w, b, Tensor(), ones({3}), false); }, {"batch_norm", "running_mean"});
  expect_error<DTypeError>([&] { batch_norm(x.to(DType::f16), w, b, Tensor(), Tensor(), true); },
                           {"batch_norm", "f16"});
  const BatchNormResult r = batch_norm(x, w, b, Tensor(), Tensor(), true);
  expect_error<ShapeError>([&] { batch_norm_backward(zeros({4, 3}), x, r.mean, r.rstd, w, true); },
                           {"batch_norm_backward", "[4, 3]", "[4, 3, 2, 2]"});
  expect_error<DTypeError>([&] { batch_norm_backward(x.to(DType::f64), x, r.mean, r.rstd, w, true); },
                           {"batch_norm_backward", "f64"});
}

}  // namespace
}  // namespace nimbus
