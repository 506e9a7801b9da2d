#pragma once
// Helpers for comparing ops with naive float64 references written here, in the tests: input
// makers (random values, non-contiguous layouts) and tolerant comparisons per dtype.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "runtime/tensor.h"

namespace nimbus::testing {

// Row-major multi-index of a linear position.
inline std::vector<int64_t> unravel(int64_t linear, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    index[d] = shape[d] ? linear % shape[d] : 0;
    linear = shape[d] ? linear / shape[d] : 0;
  }
  return index;
}

// Row-major linear position of `index` in `shape`, where size-1 dims of `shape` broadcast
// (index taken as 0) and missing leading dims are dropped: NumPy broadcasting, written plainly.
inline int64_t broadcast_position(const std::vector<int64_t>& index, const Shape& shape) {
  int64_t linear = 0;
  const size_t lead = index.size() - shape.size();
  for (size_t d = 0; d < shape.size(); ++d) linear = linear * shape[d] + (shape[d] == 1 ? 0 : index[lead + d]);
  return linear;
}

// Values of a tensor in row-major order as double (the only conversion the tests rely on).
inline std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// Random values in [lo, hi], rounded to what `dtype` can hold, as a contiguous tensor.
inline Tensor random_tensor(const Shape& shape, DType dtype, uint32_t seed, double lo = -2.0, double hi = 2.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(static_cast<size_t>(shape_numel(shape)));
  for (double& x : v) x = dist(rng);
  if (dtype == DType::boolean) {
    for (double& x : v) x = x > (lo + hi) / 2 ? 1.0 : 0.0;
  } else if (!is_floating(dtype)) {
    for (double& x : v) x = std::round(x);
  }
  return from_vector(v, shape).to(dtype);
}

// The same values as `t` in a non-contiguous layout (every dim padded, then sliced back).
inline Tensor non_contiguous(const Tensor& t) {
  if (t.dim() == 0) return t;
  Shape padded = t.shape();
  for (int64_t& s : padded) s = s * 2 + 1;
  Tensor big = zeros(padded, {t.dtype(), t.device()});
  Tensor view = big;
  for (int64_t d = 0; d < t.dim(); ++d) view = view.slice(d, 1, 1 + 2 * t.size(d), 2);
  view.copy_(t);
  return view;
}

// Relative tolerance that the dtype's rounding allows for a handful of operations.
inline double tolerance(DType dtype) {
  switch (dtype) {
    case DType::f16: return 2e-3;
    case DType::bf16: return 1.6e-2;
    case DType::f32: return 2e-6;
    case DType::f64: return 1e-12;
    default: return 0.0;  // integers and bool: exact
  }
}

// Expects `actual` to have `shape` and values within tolerance of `expected` (NaN matches NaN).
inline void expect_values(const Tensor& actual, const Shape& shape, const std::vector<double>& expected,
                          double rtol, double atol = 0.0) {
  ASSERT_EQ(actual.shape(), shape);
  const std::vector<double> got = values(actual);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i << ": expected NaN, got " << got[i];
    } else if (std::isinf(expected[i])) {
      EXPECT_EQ(got[i], expected[i]) << "element " << i;
    } else {
      EXPECT_NEAR(got[i], expected[i], atol + rtol * std::abs(expected[i])) << "element " << i;
    }
  }
}

// Gradient of sum(g * f(t)) with respect to t by central differences (t, g and f's output f64).
inline std::vector<double> numeric_grad(const std::function<Tensor(const Tensor&)>& f, const Tensor& t,
                                        const Tensor& g) {
  constexpr double h = 1e-6;
  const std::vector<double> v = values(t), gv = values(g);
  auto loss = [&](const std::vector<double>& tv) {
    const std::vector<double> y = values(f(from_vector(tv, t.shape())));
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += gv[i] * y[i];
    return s;
  };
  std::vector<double> grad(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    std::vector<double> plus = v, minus = v;
    plus[i] += h;
    minus[i] -= h;
    grad[i] = (loss(plus) - loss(minus)) / (2 * h);
  }
  return grad;
}

// Expects f() to throw E whose message contains every one of `parts`.
template <typename E>
void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const E& e) {
    for (const std::string& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

// The dtypes most tests sweep.
inline const std::vector<DType>& all_dtypes() {
  static const std::vector<DType> kAll = {DType::f32, DType::f64, DType::f16, DType::bf16,
                                          DType::i32, DType::i64, DType::u8,  DType::boolean};
  return kAll;
}
inline const std::vector<DType>& float_dtypes() {
  static const std::vector<DType> kFloats = {DType::f32, DType::f64, DType::f16, DType::bf16};
  return kFloats;
}

}  // namespace nimbus::testing
