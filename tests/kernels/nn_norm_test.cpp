// layer_norm and layer_norm_backward against scalar float64 references written here and against
// central finite differences; dtypes, layouts, optional weight and bias, rows of one element,
// constant rows, large means, determinism and error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>

#include "kernels/nn_ops.h"
#include "kernels/ops.h"
#include "reference.h"

namespace nimbus {
namespace {

using testing::expect_error;
using testing::non_contiguous;
using testing::numeric_grad;
using testing::random_tensor;
using testing::tolerance;
using testing::values;

struct RefLayerNorm {
  std::vector<double> out, mean, rstd;
};

// x as rows of n; w and b empty when absent.
RefLayerNorm ref_layer_norm(const std::vector<double>& x, int64_t n, const std::vector<double>& w,
                            const std::vector<double>& b, double eps) {
  RefLayerNorm r;
  r.out.resize(x.size());
  for (size_t row = 0; row * n < x.size(); ++row) {
    double m = 0, v = 0;
    for (int64_t k = 0; k < n; ++k) m += x[row * n + k];
    m /= static_cast<double>(n);
    for (int64_t k = 0; k < n; ++k) v += (x[row * n + k] - m) * (x[row * n + k] - m);
    v /= static_cast<double>(n);
    const double rs = 1 / std::sqrt(v + eps);
    r.mean.push_back(m);
    r.rstd.push_back(rs);
    for (int64_t k = 0; k < n; ++k) {
      double y = (x[row * n + k] - m) * rs;
      if (!w.empty()) y *= w[k];
      if (!b.empty()) y += b[k];
      r.out[row * n + k] = y;
    }
  }
  return r;
}

// grad_input from the Jacobian of xhat: d xhat_i / d x_j = rstd (delta_ij - 1/n - xhat_i xhat_j / n).
std::vector<double> ref_grad_input(const std::vector<double>& g, const std::vector<double>& x, int64_t n,
                                   const std::vector<double>& w, double eps) {
  const RefLayerNorm f = ref_layer_norm(x, n, {}, {}, eps);  // out = xhat
  std::vector<double> gi(x.size());
  for (size_t row = 0; row * n < x.size(); ++row)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double xi = f.out[row * n + i], xj = f.out[row * n + j];
        const double d = f.rstd[row] * ((i == j ? 1.0 : 0.0) - 1.0 / n - xi * xj / n);
        acc += g[row * n + i] * (w.empty() ? 1.0 : w[i]) * d;
      }
      gi[row * n + j] = acc;
    }
  return gi;
}

struct Case {
  Shape shape, normalized;
};
const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {{{4, 6}, {6}}, {{2, 3, 5}, {5}}, {{2, 3, 4}, {3, 4}}, {{7}, {7}},
                                           {{3, 1}, {1}}};
  return kCases;
}

TEST(LayerNorm, MatchesReferenceOverDtypesLayoutsAndAffine) {
  for (DType dtype : testing::float_dtypes()) {
    for (const Case& c : cases()) {
      const Tensor x = random_tensor(c.shape, dtype, 1, -3, 3);
      const Tensor w = random_tensor(c.normalized, dtype, 2), b = random_tensor(c.normalized, dtype, 3);
      const int64_t n = shape_numel(c.normalized);
      for (int affine = 0; affine < 3; ++affine) {  // none, weight only, weight and bias
        const Tensor wt = affine >= 1 ? w : Tensor(), bt = affine >= 2 ? b : Tensor();
        const RefLayerNorm ref = ref_layer_norm(values(x), n, affine >= 1 ? values(w) : std::vector<double>{},
                                                affine >= 2 ? values(b) : std::vector<double>{}, 1e-5);
        for (const Tensor& xi : {x, non_contiguous(x)}) {
          SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + shape_str(c.shape) + " affine " + std::to_string(affine) +
                       " strides " + shape_str(xi.strides()));
          const LayerNormResult r = layer_norm(xi, c.normalized, wt.defined() ? non_contiguous(wt) : wt, bt);
          EXPECT_EQ(r.output.dtype(), dtype);
          EXPECT_EQ(r.mean.dtype(), dtype == DType::f64 ? DType::f64 : DType::f32);
          const double tol = 8 * tolerance(dtype);
          testing::expect_values(r.output, c.shape, ref.out, tol, tol);
          const Shape lead(c.shape.begin(), c.shape.end() - static_cast<int64_t>(c.normalized.size()));
          testing::expect_values(r.mean, lead, ref.mean, 1e-5, 1e-6);
          testing::expect_values(r.rstd, lead, ref.rstd, 1e-4);
        }
      }
    }
  }
}

TEST(LayerNorm, ConstantRowsRowsOfOneAndLargeMeans) {
  // Zero variance: rstd = 1/sqrt(eps), the output is the bias, no nan.
  const Tensor b = from_vector<double>({0.5, -1, 2});
  const LayerNormResult r = layer_norm(full({2, 3}, 7.0, DType::f64), {3}, ones({3}, DType::f64), b);
  testing::expect_values(r.output, {2, 3}, {0.5, -1, 2, 0.5, -1, 2}, 0, 1e-12);
  testing::expect_values(r.rstd, {2}, {1 / std::sqrt(1e-5), 1 / std::sqrt(1e-5)}, 1e-12);
  // One element per row: xhat = 0, and its gradient is 0.
  const Tensor x1 = random_tensor({4, 1}, DType::f64, 5);
  const LayerNormResult r1 = layer_norm(x1, {1});
  EXPECT_EQ(values(r1.output), std::vector<double>(4, 0.0));
  const LayerNormGrads g1 = layer_norm_backward(ones({4, 1}, DType::f64), x1, {1}, r1.mean, r1.rstd);
  EXPECT_EQ(values(g1.grad_input), std::vector<double>(4, 0.0));
  // A large mean against a small spread: the two-pass variance keeps f32 accurate.
  const Tensor noise = random_tensor({2, 64}, DType::f64, 6);
  const Tensor big = add(noise, 1e4);
  const RefLayerNorm ref = ref_layer_norm(values(big.to(DType::f32)), 64, {}, {}, 1e-5);
  testing::expect_values(layer_norm(big.to(DType::f32), {64}).output, {2, 64}, ref.out, 1e-3, 1e-3);
}

TEST(LayerNorm, BackwardMatchesFiniteDifferencesAndReference) {
  for (const Case& c : cases()) {
    const Tensor x = random_tensor(c.shape, DType::f64, 11, -2, 2);
    const Tensor w = random_tensor(c.normalized, DType::f64, 12), b = random_tensor(c.normalized, DType::f64, 13);
    const Tensor g = random_tensor(c.shape, DType::f64, 14);
    const int64_t n = shape_numel(c.normalized);
    SCOPED_TRACE(shape_str(c.shape));
    const LayerNormResult r = layer_norm(x, c.normalized, w, b);
    const LayerNormGrads grads = layer_norm_backward(g, x, c.normalized, r.mean, r.rstd, w, true);
    const auto fx = [&](const Tensor& t) { return layer_norm(t, c.normalized, w, b).output; };
    const auto fw = [&](const Tensor& t) { return layer_norm(x, c.normalized, t, b).output; };
    const auto fb = [&](const Tensor& t) { return layer_norm(x, c.normalized, w, t).output; };
    testing::expect_values(grads.grad_input, c.shape, numeric_grad(fx, x, g), 1e-6, 1e-7);
    testing::expect_values(grads.grad_weight, c.normalized, numeric_grad(fw, w, g), 1e-6, 1e-7);
    testing::expect_values(grads.grad_bias, c.normalized, numeric_grad(fb, b, g), 1e-6, 1e-7);
    // Analytic references: grad_weight = sum_rows g * xhat, grad_bias = sum_rows g.
    testing::expect_values(grads.grad_input, c.shape, ref_grad_input(values(g), values(x), n, values(w), 1e-5), 1e-10,
                           1e-12);
    const std::vector<double> xhat = ref_layer_norm(values(x), n, {}, {}, 1e-5).out, gv = values(g);
    std::vector<double> gw(static_cast<size_t>(n)), gb(static_cast<size_t>(n));
    for (size_t i = 0; i < gv.size(); ++i) {
      gw[i % n] += gv[i] * xhat[i];
      gb[i % n] += gv[i];
    }
    testing::expect_values(grads.grad_weight, c.normalized, gw, 1e-10, 1e-12);
    testing::expect_values(grads.grad_bias, c.normalized, gb, 1e-10, 1e-12);
    // Without weight and bias only grad_input comes back; non-contiguous operands agree.
    const LayerNormResult plain = layer_norm(x, c.normalized);
    const LayerNormGrads gp =
        layer_norm_backward(non_contiguous(g), non_contiguous(x), c.normalized, plain.mean, plain.rstd);
    EXPECT_FALSE(gp.grad_weight.defined());
    EXPECT_FALSE(gp.grad_bias.defined());
    testing::expect_values(gp.grad_input, c.shape, ref_grad_input(values(g), values(x), n, {}, 1e-5), 1e-10, 1e-12);
  }
}

TEST(LayerNorm, BackwardInLowPrecisionMatchesReference) {
  for (DType dtype : {DType::f32, DType::f16, DType::bf16}) {
    const Tensor x = random_tensor({5, 12}, dtype, 21), w = random_tensor({12}, dtype, 22);
    const Tensor g = random_tensor({5, 12}, dtype, 23);
    const LayerNormResult r = layer_norm(x, {12}, w);
    const LayerNormGrads grads = layer_norm_backward(g, x, {12}, r.mean, r.rstd, w, true);
    const double tol = 16 * tolerance(dtype);
    testing::expect_values(grads.grad_input, {5, 12}, ref_grad_input(values(g), values(x), 12, values(w), 1e-5), tol,
                           tol);
    std::vector<double> gb(12);
    const std::vector<double> gv = values(g);
    for (size_t i = 0; i < gv.size(); ++i) gb[i % 12] += gv[i];
    testing::expect_values(grads.grad_bias, {12}, gb, tol, tol);
  }
}

TEST(LayerNorm, LargeInputsAreDeterministic) {
  const Tensor x = random_tensor({3000, 700}, DType::f32, 31), g = random_tensor({3000, 700}, DType::f32, 32);
  const Tensor w = random_tensor({700}, DType::f32, 33);
  const LayerNormResult a = layer_norm(x, {700}, w), b = layer_norm(x, {700}, w);
  EXPECT_EQ(std::memcmp(a.output.data_ptr(), b.output.data_ptr(), x.numel() * 4), 0);
  const LayerNormGrads ga = layer_norm_backward(g, x, {700}, a.mean, a.rstd, w, true);
  const LayerNormGrads gb = layer_norm_backward(g, x, {700}, a.mean, a.rstd, w, true);
  EXPECT_EQ(std::memcmp(ga.grad_weight.data_ptr(), gb.grad_weight.data_ptr(), 700 * 4), 0);
  EXPECT_EQ(std::memcmp(ga.grad_input.data_ptr(), gb.grad_input.data_ptr(), x.numel() * 4), 0);
  // grad_bias is the column sum of g.
  testing::expect_values(ga.grad_bias, {700}, values(sum(g.to(DType::f64), {0})), 1e-4, 1e-3);
}

TEST(LayerNorm, ErrorsNameTheOpShapesAndDtypes) {
  const Tensor x = zeros({2, 3});
  expect_error<ShapeError>([&] { layer_norm(x, {2}); }, {"layer_norm", "[2]", "[2, 3]"});
  expect_error<ShapeError>([&] { layer_norm(x, {}); }, {"layer_norm", "normalized_shape"});
  expect_error<ShapeError>([&] { layer_norm(x, {3}, zeros({4})); }, {"layer_norm", "weight", "[4]", "[3]"});
  expect_error<DTypeError>([&] { layer_norm(x, {3}, Tensor(), zeros({3}, DType::f64)); },
                           {"layer_norm", "bias", "f64"});
  expect_error<DTypeError>([&] { layer_norm(zeros({2, 3}, DType::i32), {3}); }, {"layer_norm", "i32"});
  const LayerNormResult r = layer_norm(x, {3});
  expect_error<ShapeError>([&] { layer_norm_backward(zeros({3, 2}), x, {3}, r.mean, r.rstd); },
                           {"layer_norm_backward", "[3, 2]", "[2, 3]"});
}

}  // namespace
}  // namespace nimbus
