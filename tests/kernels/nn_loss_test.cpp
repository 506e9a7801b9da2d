// cross_entropy, mse_loss and binary_cross_entropy_with_logits, forward and backward, against
// scalar float64 references written here and against central finite differences; reductions,
// ignore_index, label smoothing, K-dim targets, dtypes, layouts, extreme logits, all-ignored
// batches and error messages.
#include <gtest/gtest.h>

#include <cmath>
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

std::vector<double> reduce(const std::vector<double>& l, Reduction r, double count) {
  if (r == Reduction::none) return l;
  double s = 0;
  for (double v : l) s += v;
  return {r == Reduction::sum ? s : s / count};
}

const char* name(Reduction r) { return r == Reduction::none ? "none" : r == Reduction::mean ? "mean" : "sum"; }

// ---- cross-entropy ----

struct CeRef {
  std::vector<double> loss;  // reduced as asked
  std::vector<double> grad;  // d(sum(g * loss)) / d logits for upstream g
};

// logits [N, C, inner...] row-major, target [N, inner...].
CeRef ref_cross_entropy(const std::vector<double>& z, const Shape& shape, const std::vector<int64_t>& t, Reduction r,
                        int64_t ignore, double ls, const std::vector<double>& g) {
  const int64_t N = shape.size() == 1 ? 1 : shape[0], C = shape.size() == 1 ? shape[0] : shape[1];
  const int64_t inner = static_cast<int64_t>(z.size()) / std::max<int64_t>(N * C, 1);
  std::vector<double> per(static_cast<size_t>(N * inner));
  double count = 0;
  std::vector<std::vector<double>> logp(per.size(), std::vector<double>(static_cast<size_t>(C)));
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < inner; ++j) {
      const size_t pos = static_cast<size_t>(i * inner + j);
      auto at = [&](int64_t c) { return z[static_cast<size_t>((i * C + c) * inner + j)]; };
      double m = -INFINITY, s = 0;
      for (int64_t c = 0; c < C; ++c) m = std::max(m, at(c));
      for (int64_t c = 0; c < C; ++c) s += std::exp(at(c) - m);
      double sum_logp = 0;
      for (int64_t c = 0; c < C; ++c) sum_logp += logp[pos][c] = at(c) - m - std::log(s);
      if (t[pos] == ignore) continue;
      count += 1;
      per[pos] = -(1 - ls) * logp[pos][static_cast<size_t>(t[pos])] - ls / C * sum_logp;
    }
  CeRef ref{reduce(per, r, count), std::vector<double>(z.size())};
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < inner; ++j) {
      const size_t pos = static_cast<size_t>(i * inner + j);
      if (t[pos] == ignore) continue;
      const double up = r == Reduction::none ? g[pos] : r == Reduction::sum ? g[0] : g[0] / count;
      for (int64_t c = 0; c < C; ++c) {
        const double p = std::exp(logp[pos][c]);
        // d/dz_c of -(1-ls) logp_t - ls/C sum logp = (1-ls)(p_c - [c=t]) + ls/C (C p_c - 1)
        ref.grad[static_cast<size_t>((i * C + c) * inner + j)] =
            up * ((1 - ls) * (p - (c == t[pos] ? 1 : 0)) + ls / C * (C * p - 1));
      }
    }
  return ref;
}

Shape target_shape(const Shape& logits) {
  if (logits.size() == 1) return {};
  Shape s = logits;
  s.erase(s.begin() + 1);
  return s;
}

// Targets in [0, C) with every third one set to `ignore`.
Tensor make_target(const Shape& shape, int64_t C, int64_t ignore, uint32_t seed) {
  std::vector<int64_t> t(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < t.size(); ++i) t[i] = i % 3 == 1 ? ignore : static_cast<int64_t>((i * 7 + seed) % C);
  return from_vector(t, shape);
}

const std::vector<Shape>& ce_shapes() {
  static const std::vector<Shape> kShapes = {{6, 5}, {3, 4, 2, 3}, {4}, {5, 1}};
  return kShapes;
}

TEST(CrossEntropy, MatchesReferenceOverDtypesReductionsAndSmoothing) {
  for (DType dtype : testing::float_dtypes()) {
    for (const Shape& shape : ce_shapes()) {
      const int64_t C = shape.size() == 1 ? shape[0] : shape[1];
      const Tensor z = random_tensor(shape, dtype, 1, -4, 4);
      for (int64_t ignore : {int64_t{-100}, int64_t{1}}) {
        const Tensor t = make_target(target_shape(shape), C, ignore, 2);
        for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
          for (double ls : {0.0, 0.2}) {
            SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + shape_str(shape) + " " + name(r) + " ls " +
                         std::to_string(ls) + " ignore " + std::to_string(ignore));
            const CeRef ref = ref_cross_entropy(values(z), shape, t.to_vector<int64_t>(), r, ignore, ls, {1.0});
            const Shape out_shape = r == Reduction::none ? target_shape(shape) : Shape{};
            const double tol = 8 * tolerance(dtype);
            for (const Tensor& zi : {z, non_contiguous(z)}) {
              const Tensor loss = cross_entropy(zi, non_contiguous(t), r, ignore, ls);
              EXPECT_EQ(loss.dtype(), dtype);
              testing::expect_values(loss, out_shape, ref.loss, tol, tol);
            }
          }
        }
      }
    }
  }
}

TEST(CrossEntropy, BackwardMatchesFiniteDifferencesAndReference) {
  for (const Shape& shape : ce_shapes()) {
    const int64_t C = shape.size() == 1 ? shape[0] : shape[1];
    const Tensor z = random_tensor(shape, DType::f64, 3, -3, 3);
    const Tensor t = make_target(target_shape(shape), C, -100, 4);
    for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
      for (double ls : {0.0, 0.3}) {
        SCOPED_TRACE(shape_str(shape) + " " + name(r) + " ls " + std::to_string(ls));
        const Tensor g = r == Reduction::none ? random_tensor(target_shape(shape), DType::f64, 5)
                                              : scalar_tensor(0.7, DType::f64);
        const Tensor grad = cross_entropy_backward(g, z, t, r, -100, ls);
        const auto f = [&](const Tensor& x) { return cross_entropy(x, t, r, -100, ls); };
        testing::expect_values(grad, shape, numeric_grad(f, z, g), 1e-6, 1e-8);
        const CeRef ref = ref_cross_entropy(values(z), shape, t.to_vector<int64_t>(), r, -100, ls, values(g));
        testing::expect_values(grad, shape, ref.grad, 1e-12, 1e-14);
        testing::expect_values(cross_entropy_backward(non_contiguous(g), non_contiguous(z), t, r, -100, ls), shape,
                               ref.grad, 1e-12, 1e-14);
      }
    }
  }
}

TEST(CrossEntropy, BackwardInLowPrecisionMatchesReference) {
  for (DType dtype : {DType::f32, DType::f16, DType::bf16}) {
    const Tensor z = random_tensor({6, 7}, dtype, 6, -3, 3);
    const Tensor t = make_target({6}, 7, -100, 7);
    const CeRef ref = ref_cross_entropy(values(z), {6, 7}, t.to_vector<int64_t>(), Reduction::mean, -100, 0.1, {1.0});
    const Tensor grad = cross_entropy_backward(scalar_tensor(1.0, dtype), z, t, Reduction::mean, -100, 0.1);
    EXPECT_EQ(grad.dtype(), dtype);
    testing::expect_values(grad, {6, 7}, ref.grad, 8 * tolerance(dtype), 8 * tolerance(dtype) / 7);
  }
}

TEST(CrossEntropy, ExtremeLogitsAllIgnoredAndOneClass) {
  for (DType dtype : testing::float_dtypes()) {
    const Tensor z = from_vector<double>({1e4, -1e4, 0, -1e4, 1e4, 0}, {2, 3}).to(dtype);
    const Tensor t = from_vector<int64_t>({1, 1});
    const std::vector<double> loss = values(cross_entropy(z, t, Reduction::none));
    EXPECT_NEAR(loss[0], 2e4, 2e4 * tolerance(dtype));
    EXPECT_NEAR(loss[1], 0.0, 1e-6);
    for (double v : values(cross_entropy_backward(ones({2}, dtype), z, t, Reduction::none, -100, 0.1)))
      EXPECT_TRUE(std::isfinite(v));
  }
  // Every target ignored: mean is 0/0 = nan as in PyTorch, sum is 0, and the gradient is 0.
  const Tensor z = random_tensor({3, 4}, DType::f32, 8);
  const Tensor t = full({3}, -100, DType::i64);
  EXPECT_TRUE(std::isnan(cross_entropy(z, t).item<double>()));
  EXPECT_EQ(cross_entropy(z, t, Reduction::sum).item<double>(), 0.0);
  EXPECT_EQ(values(cross_entropy_backward(scalar_tensor(1.0), z, t)), std::vector<double>(12, 0.0));
  // One class: log_softmax is 0, so the loss is 0.
  EXPECT_EQ(cross_entropy(random_tensor({4, 1}, DType::f64, 9), zeros({4}, DType::i64)).item<double>(), 0.0);
  EXPECT_TRUE(std::isnan(cross_entropy(zeros({0, 3}), zeros({0}, DType::i64)).item<double>()));
}

TEST(CrossEntropy, ErrorsNameTheValueShapesAndDtypes) {
  const Tensor z = zeros({2, 5});
  expect_error<ShapeError>([&] { cross_entropy(z, from_vector<int64_t>({0, 7})); },
                           {"cross_entropy", "7", "5 classes"});
  expect_error<ShapeError>([&] { cross_entropy(z, from_vector<int64_t>({-1, 0})); }, {"cross_entropy", "-1", "5"});
  expect_error<ShapeError>([&] { cross_entropy(z, zeros({3}, DType::i64)); }, {"cross_entropy", "[2, 5]", "[3]"});
  expect_error<DTypeError>([&] { cross_entropy(z, zeros({2})); }, {"cross_entropy", "f32"});
  expect_error<DTypeError>([&] { cross_entropy(zeros({2, 5}, DType::i32), zeros({2}, DType::i64)); },
                           {"cross_entropy", "i32"});
  expect_error<ShapeError>([&] { cross_entropy_backward(zeros({3}), z, zeros({2}, DType::i64), Reduction::none); },
                           {"cross_entropy_backward", "[3]", "[2]"});
  EXPECT_NO_THROW(cross_entropy(z, from_vector<int64_t>({-100, 4})));
}

// ---- MSE ----

TEST(Mse, ForwardAndBackwardMatchReferenceAndFiniteDifferences) {
  for (DType dtype : testing::float_dtypes()) {
    const Tensor a = random_tensor({4, 5}, dtype, 1), b = random_tensor({4, 5}, dtype, 2);
    const std::vector<double> av = values(a), bv = values(b);
    std::vector<double> sq;
    for (size_t i = 0; i < av.size(); ++i) sq.push_back((av[i] - bv[i]) * (av[i] - bv[i]));
    for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + name(r));
      const Tensor loss = mse_loss(non_contiguous(a), b, r);
      EXPECT_EQ(loss.dtype(), dtype);
      testing::expect_values(loss, r == Reduction::none ? Shape{4, 5} : Shape{}, reduce(sq, r, 20.0),
                             4 * tolerance(dtype), 4 * tolerance(dtype));
    }
  }
  const Tensor a = random_tensor({3, 4}, DType::f64, 3), b = random_tensor({3, 4}, DType::f64, 4);
  for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
    const Tensor g = r == Reduction::none ? random_tensor({3, 4}, DType::f64, 5) : scalar_tensor(1.3, DType::f64);
    const LossGrads grads = mse_loss_backward(g, a, b, r);
    testing::expect_values(grads.grad_a, {3, 4}, numeric_grad([&](const Tensor& x) { return mse_loss(x, b, r); }, a, g),
                           1e-6, 1e-8);
    testing::expect_values(grads.grad_b, {3, 4}, numeric_grad([&](const Tensor& x) { return mse_loss(a, x, r); }, b, g),
                           1e-6, 1e-8);
    const std::vector<double> av = values(a), bv = values(b), gv = values(g);
    std::vector<double> ref;
    for (size_t i = 0; i < av.size(); ++i)
      ref.push_back(2 * (av[i] - bv[i]) * (r == Reduction::none ? gv[i] : r == Reduction::sum ? gv[0] : gv[0] / 12));
    testing::expect_values(grads.grad_a, {3, 4}, ref, 1e-12, 1e-14);
  }
  EXPECT_TRUE(std::isnan(mse_loss(zeros({0}), zeros({0})).item<double>()));
  expect_error<ShapeError>([] { mse_loss(zeros({2, 3}), zeros({3, 2})); }, {"mse_loss", "[2, 3]", "[3, 2]"});
}

// ---- BCE with logits ----

std::vector<double> ref_bce(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& pw) {
  std::vector<double> l;
  for (size_t i = 0; i < x.size(); ++i) {
    const double s = 1 / (1 + std::exp(-x[i])), p = pw.empty() ? 1.0 : pw[i % pw.size()];
    l.push_back(-(p * y[i] * std::log(s) + (1 - y[i]) * std::log(1 - s)));
  }
  return l;
}

TEST(Bce, ForwardAndBackwardMatchReferenceAndFiniteDifferences) {
  const Tensor pw = from_vector<double>({0.5, 2.0, 1.0, 3.0});
  for (DType dtype : testing::float_dtypes()) {
    const Tensor x = random_tensor({3, 4}, dtype, 1, -4, 4), y = random_tensor({3, 4}, dtype, 2, 0, 1);
    for (bool weighted : {false, true}) {
      const std::vector<double> l = ref_bce(values(x), values(y), weighted ? values(pw) : std::vector<double>{});
      for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
        SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + name(r) + " weighted " + std::to_string(weighted));
        const Tensor loss =
            binary_cross_entropy_with_logits(non_contiguous(x), y, r, weighted ? pw.to(dtype) : Tensor());
        EXPECT_EQ(loss.dtype(), dtype);
        testing::expect_values(loss, r == Reduction::none ? Shape{3, 4} : Shape{}, reduce(l, r, 12.0),
                               4 * tolerance(dtype), 4 * tolerance(dtype));
      }
    }
  }
  const Tensor x = random_tensor({3, 4}, DType::f64, 3, -4, 4), y = random_tensor({3, 4}, DType::f64, 4, 0, 1);
  for (bool weighted : {false, true}) {
    const Tensor w = weighted ? pw : Tensor();
    for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
      SCOPED_TRACE(std::string(name(r)) + " weighted " + std::to_string(weighted));
      const Tensor g = r == Reduction::none ? random_tensor({3, 4}, DType::f64, 5) : scalar_tensor(0.8, DType::f64);
      const Tensor grad = binary_cross_entropy_with_logits_backward(g, x, y, r, w);
      const auto f = [&](const Tensor& t) { return binary_cross_entropy_with_logits(t, y, r, w); };
      testing::expect_values(grad, {3, 4}, numeric_grad(f, x, g), 1e-6, 1e-8);
      // d/dx = (1 - y) - lw sigmoid(-x), lw = 1 + (pw - 1) y
      const std::vector<double> xv = values(x), yv = values(y), gv = values(g);
      std::vector<double> ref;
      for (size_t i = 0; i < xv.size(); ++i) {
        const double p = weighted ? values(pw)[i % 4] : 1.0, lw = 1 + (p - 1) * yv[i];
        const double up = r == Reduction::none ? gv[i] : r == Reduction::sum ? gv[0] : gv[0] / 12;
        ref.push_back(up * ((1 - yv[i]) - lw / (1 + std::exp(xv[i]))));
      }
      testing::expect_values(grad, {3, 4}, ref, 1e-12, 1e-14);
    }
  }
}

TEST(Bce, ExtremeLogitsStayFinite) {
  for (DType dtype : testing::float_dtypes()) {
    const Tensor x = from_vector<double>({100, 100, -100, -100}).to(dtype);
    const Tensor y = from_vector<double>({1, 0, 1, 0}).to(dtype);
    testing::expect_values(binary_cross_entropy_with_logits(x, y, Reduction::none), {4},
                           {std::log1p(std::exp(-100.0)), 100, 100, std::log1p(std::exp(-100.0))},
                           4 * tolerance(dtype), 1e-30);
    testing::expect_values(binary_cross_entropy_with_logits_backward(ones({4}, dtype), x, y, Reduction::none), {4},
                           {-std::exp(-100.0), 1, -1, std::exp(-100.0)}, 4 * tolerance(dtype), 1e-30);
  }
  expect_error<ShapeError>(
      [] { binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), Reduction::mean, zeros({2})); },
                           {"binary_cross_entropy_with_logits", "[2]", "[2, 3]"});
  expect_error<DTypeError>([] { binary_cross_entropy_with_logits(zeros({2}), zeros({2}, DType::i64)); },
                           {"binary_cross_entropy_with_logits", "target", "i64"});
}

}  // namespace
}  // namespace nimbus
