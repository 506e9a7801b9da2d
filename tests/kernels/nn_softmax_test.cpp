// softmax and log_softmax, forward and backward, against scalar float64 references written here
// and against central finite differences; dtypes, dims, layouts, size-1 rows, extreme logits,
// 0-d and empty tensors, determinism and error messages.
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

// ---- references ----

// Calls body(positions of one row) for every row of `shape` along `dim` (row-major positions).
void for_each_row(const Shape& shape, int dim, const std::function<void(const std::vector<size_t>&)>& body) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < dim; ++d) outer *= shape[d];
  for (size_t d = static_cast<size_t>(dim) + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t n = shape.empty() ? 1 : shape[dim];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      std::vector<size_t> row;
      for (int64_t k = 0; k < n; ++k) row.push_back(static_cast<size_t>((o * n + k) * inner + i));
      body(row);
    }
}

std::vector<double> ref_softmax(const std::vector<double>& x, const Shape& shape, int dim, bool log) {
  std::vector<double> y(x.size());
  for_each_row(shape, dim, [&](const std::vector<size_t>& row) {
    double m = -INFINITY, s = 0;
    for (size_t p : row) m = std::max(m, x[p]);
    for (size_t p : row) s += std::exp(x[p] - m);
    for (size_t p : row) y[p] = log ? x[p] - m - std::log(s) : std::exp(x[p] - m) / s;
  });
  return y;
}

// Analytic backward from the definitions: d softmax_i / d x_j = y_i (delta_ij - y_j).
std::vector<double> ref_backward(const std::vector<double>& g, const std::vector<double>& x, const Shape& shape,
                                 int dim, bool log) {
  const std::vector<double> p = ref_softmax(x, shape, dim, false);
  std::vector<double> gi(x.size());
  for_each_row(shape, dim, [&](const std::vector<size_t>& row) {
    for (size_t j : row) {
      double acc = 0;
      for (size_t i : row) {
        // d log_softmax_i / d x_j = delta_ij - p_j
        const double d = log ? (i == j ? 1.0 : 0.0) - p[j] : p[i] * ((i == j ? 1.0 : 0.0) - p[j]);
        acc += g[i] * d;
      }
      gi[j] = acc;
    }
  });
  return gi;
}

Tensor forward(bool log, const Tensor& x, int64_t dim) { return log ? log_softmax(x, dim) : softmax(x, dim); }
Tensor backward(bool log, const Tensor& g, const Tensor& y, int64_t dim) {
  return log ? log_softmax_backward(g, y, dim) : softmax_backward(g, y, dim);
}

const std::vector<Shape>& shapes() {
  static const std::vector<Shape> kShapes = {{5}, {3, 7}, {2, 3, 4}, {4, 1}, {1, 6}, {2, 1, 3}};
  return kShapes;
}

// The same values with reversed (column-major) strides.
Tensor transposed_layout(const Tensor& x) {
  std::vector<int64_t> reversed;
  for (int64_t d = x.dim() - 1; d >= 0; --d) reversed.push_back(d);
  return x.permute(reversed).contiguous().permute(reversed);
}

// ---- forward ----

void check_forward_over_dtypes(bool log) {
  for (DType dtype : testing::float_dtypes()) {
    for (const Shape& shape : shapes()) {
      const Tensor x0 = random_tensor(shape, dtype, 3, -4, 4);
      for (int64_t dim = -static_cast<int64_t>(shape.size()); dim < static_cast<int64_t>(shape.size()); ++dim) {
        const int d = static_cast<int>(dim < 0 ? dim + static_cast<int64_t>(shape.size()) : dim);
        const std::vector<double> ref = ref_softmax(values(x0), shape, d, log);
        for (const Tensor& x : {x0, non_contiguous(x0), transposed_layout(x0)}) {
          SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + shape_str(shape) + " dim " + std::to_string(dim) +
                       " strides " + shape_str(x.strides()));
          const Tensor y = forward(log, x, dim);
          EXPECT_EQ(y.dtype(), dtype);
          testing::expect_values(y, shape, ref, 4 * tolerance(dtype), 4 * tolerance(dtype));
        }
      }
    }
  }
}

TEST(Softmax, MatchesReferenceOverDtypesDimsAndLayouts) { check_forward_over_dtypes(false); }
TEST(LogSoftmax, MatchesReferenceOverDtypesDimsAndLayouts) { check_forward_over_dtypes(true); }

TEST(Softmax, ExtremeLogitsGiveNoInfOrNan) {
  for (DType dtype : testing::float_dtypes()) {
    const Tensor x = from_vector<double>({1e4, -1e4, 0, 1e4 - 1}, {1, 4}).to(dtype);
    // The reference sees the values as the dtype rounded them (bf16 holds 1e4 - 1 as 1e4).
    const std::vector<double> v = values(x);
    testing::expect_values(softmax(x, 1), {1, 4}, ref_softmax(v, {1, 4}, 1, false), 4 * tolerance(dtype), 1e-30);
    const std::vector<double> logs = ref_softmax(v, {1, 4}, 1, true);
    const Tensor ls = log_softmax(x, 1);
    EXPECT_TRUE(std::isfinite(values(ls)[1]));  // about -2e4, not -inf
    testing::expect_values(ls, {1, 4}, logs, 4 * tolerance(dtype), 4 * tolerance(dtype));
    const Tensor all_large = full({3}, 5e4, dtype);
    testing::expect_values(softmax(all_large, 0), {3}, {1.0 / 3, 1.0 / 3, 1.0 / 3}, 4 * tolerance(dtype));
  }
}

TEST(Softmax, RowsOfOneZeroDimAndEmpty) {
  const Tensor x = random_tensor({3, 1}, DType::f64, 1);
  EXPECT_EQ(values(softmax(x, 1)), std::vector<double>(3, 1.0));
  EXPECT_EQ(values(log_softmax(x, 1)), std::vector<double>(3, 0.0));
  const Tensor g = random_tensor({3, 1}, DType::f64, 2);
  EXPECT_EQ(values(softmax_backward(g, softmax(x, 1), 1)), std::vector<double>(3, 0.0));
  EXPECT_EQ(values(log_softmax_backward(g, log_softmax(x, 1), 1)), std::vector<double>(3, 0.0));
  EXPECT_EQ(softmax(scalar_tensor(2.5), 0).item<double>(), 1.0);
  EXPECT_EQ(log_softmax(scalar_tensor(2.5), -1).item<double>(), 0.0);
  EXPECT_EQ(softmax(zeros({0, 4}), 1).shape(), (Shape{0, 4}));
  EXPECT_EQ(softmax(zeros({3, 0}), 1).shape(), (Shape{3, 0}));
}

// ---- backward ----

void check_backward(bool log) {
  for (const Shape& shape : {Shape{4}, Shape{3, 5}, Shape{2, 3, 4}}) {
    const Tensor x = random_tensor(shape, DType::f64, 7, -3, 3);
    const Tensor g = random_tensor(shape, DType::f64, 8);
    for (int64_t dim = 0; dim < static_cast<int64_t>(shape.size()); ++dim) {
      SCOPED_TRACE(shape_str(shape) + " dim " + std::to_string(dim));
      const Tensor y = forward(log, x, dim);
      const Tensor gi = backward(log, g, y, dim);
      const std::vector<double> numeric = numeric_grad([&](const Tensor& t) { return forward(log, t, dim); }, x, g);
      testing::expect_values(gi, shape, numeric, 1e-6, 1e-8);
      testing::expect_values(gi, shape, ref_backward(values(g), values(x), shape, static_cast<int>(dim), log), 1e-12,
                             1e-14);
      // Non-contiguous operands give the same result.
      testing::expect_values(backward(log, non_contiguous(g), non_contiguous(y), dim), shape, values(gi), 0, 0);
    }
  }
}

TEST(Softmax, BackwardMatchesFiniteDifferencesAndReference) { check_backward(false); }
TEST(LogSoftmax, BackwardMatchesFiniteDifferencesAndReference) { check_backward(true); }

TEST(Softmax, BackwardInLowPrecisionMatchesReference) {
  for (bool log : {false, true}) {
    for (DType dtype : {DType::f32, DType::f16, DType::bf16}) {
      const Tensor x = random_tensor({4, 9}, dtype, 9, -3, 3), g = random_tensor({4, 9}, dtype, 10);
      const Tensor y = forward(log, x, 1);
      // The reference starts from the rounded forward output, as the kernel does.
      const std::vector<double> ref = ref_backward(values(g), values(x), {4, 9}, 1, log);
      testing::expect_values(backward(log, g, y, 1), {4, 9}, ref, 8 * tolerance(dtype), 8 * tolerance(dtype));
    }
  }
}

TEST(Softmax, LargeInputsAreDeterministic) {
  const Tensor x = random_tensor({2048, 300}, DType::f32, 4);
  for (int64_t dim : {0, 1}) {
    const Tensor a = softmax(x, dim), b = softmax(x, dim);
    EXPECT_EQ(std::memcmp(a.data_ptr(), b.data_ptr(), a.numel() * a.element_size()), 0);
    const Tensor ga = log_softmax_backward(x, a, dim), gb = log_softmax_backward(x, b, dim);
    EXPECT_EQ(std::memcmp(ga.data_ptr(), gb.data_ptr(), ga.numel() * ga.element_size()), 0);
  }
  // Spot-check one large row against the reference.
  const Tensor row = x.select(0, 17);
  testing::expect_values(softmax(x, 1).select(0, 17), {300}, ref_softmax(values(row), {300}, 0, false),
                         4 * tolerance(DType::f32), 1e-9);
}

// ---- errors ----

TEST(Softmax, ErrorsNameTheOpShapesAndDtypes) {
  expect_error<DTypeError>([] { softmax(zeros({2, 3}, DType::i64), 1); }, {"softmax", "i64", "[2, 3]"});
  expect_error<ShapeError>([] { log_softmax(zeros({2, 3}), 2); }, {"log_softmax", "2"});
  expect_error<ShapeError>([] { softmax_backward(zeros({2, 3}), zeros({3, 2}), 1); },
                           {"softmax_backward", "[2, 3]", "[3, 2]"});
  expect_error<DTypeError>([] { log_softmax_backward(zeros({2}, DType::f64), zeros({2}), 0); },
                           {"log_softmax_backward", "f64", "f32"});
}

}  // namespace
}  // namespace nimbus
