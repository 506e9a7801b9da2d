// matmul and linear against a triple-loop float64 reference: dtypes, transposed and strided
// operands, NumPy 1-d and batch-broadcast rules, empty dims.
#include <gtest/gtest.h>

#include <array>

#include "kernels/ops.h"
#include "reference.h"

namespace nimbus {
namespace {

using testing::expect_values;
using testing::random_tensor;
using testing::tolerance;
using testing::values;

// Reference for 2-d [M,K] x [K,N].
std::vector<double> matmul_reference(const std::vector<double>& a, const std::vector<double>& b, int64_t m,
                                     int64_t k, int64_t n) {
  std::vector<double> out(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += a[i * k + p] * b[p * n + j];
      out[i * n + j] = acc;
    }
  return out;
}

TEST(Matmul, MatchesReferenceOverDtypesAndLayouts) {
  // One output row or column takes BLAS's GEMV (Note [Vector products] in kernels/cpu/blas.h),
  // with each operand in each layout.
  for (const auto [m, k, n] : {std::array<int64_t, 3>{37, 53, 29}, {1, 53, 29}, {37, 53, 1}, {1, 53, 1}})
  for (DType dtype : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64}) {
    for (int layout = 0; layout < 4; ++layout) {
      Tensor a = random_tensor({m, k}, dtype, 1, -3, 3), b = random_tensor({k, n}, dtype, 2, -3, 3);
      const std::vector<double> expected = matmul_reference(values(a), values(b), m, k, n);
      // 1: A given transposed in memory; 2: B transposed; 3: both padded (non-unit strides).
      if (layout == 1) a = a.t().contiguous().t();
      if (layout == 2) b = b.t().contiguous().t();
      if (layout == 3) {
        a = testing::non_contiguous(a);
        b = testing::non_contiguous(b);
      }
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " layout " + std::to_string(layout) + " m " + std::to_string(m) +
                   " n " + std::to_string(n));
      const Tensor out = matmul(a, b);
      EXPECT_EQ(out.dtype(), dtype);
      // Sums of k products: f32 rounding grows with k; 16-bit results are rounded once at the end.
      const double rtol = is_floating(dtype) ? 4 * testing::tolerance(dtype) : 0;
      expect_values(out, {m, n}, expected, rtol, is_floating(dtype) ? rtol * k : 0);
    }
  }
}

TEST(Matmul, VectorsFollowNumPyRules) {
  const Tensor v = from_vector<double>({1, 2, 3});
  const Tensor mtx = from_vector<double>({1, 0, 0, 1, 1, 1}, {3, 2});
  const Tensor vm = matmul(v, mtx);
  expect_values(vm, {2}, {4, 5}, 0);
  const Tensor mv = matmul(mtx.t(), v);
  expect_values(mv, {2}, {4, 5}, 0);
  const Tensor dot = matmul(v, v);
  expect_values(dot, {}, {14}, 0);
}

TEST(Matmul, BatchDimsBroadcast) {
  const Tensor a = random_tensor({2, 1, 4, 3}, DType::f64, 3), b = random_tensor({5, 3, 2}, DType::f64, 4);
  const Tensor out = matmul(a, b);
  ASSERT_EQ(out.shape(), (Shape{2, 5, 4, 2}));
  const auto va = values(a), vb = values(b), vo = values(out);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j) {
      const std::vector<double> sa(va.begin() + i * 12, va.begin() + (i + 1) * 12);
      const std::vector<double> sb(vb.begin() + j * 6, vb.begin() + (j + 1) * 6);
      const auto ref = matmul_reference(sa, sb, 4, 3, 2);
      for (int64_t e = 0; e < 8; ++e) EXPECT_NEAR(vo[(i * 5 + j) * 8 + e], ref[e], 1e-12);
    }
  // [B, M, K] x [K, N] folds into one product.
  const Tensor x = random_tensor({3, 4, 5}, DType::f64, 5), w = random_tensor({5, 6}, DType::f64, 6);
  const Tensor y = matmul(x, w);
  ASSERT_EQ(y.shape(), (Shape{3, 4, 6}));
  expect_values(y, {3, 4, 6}, matmul_reference(values(x), values(w), 12, 5, 6), 1e-12, 1e-12);
}

TEST(Matmul, EmptyDimsAndErrors) {
  expect_values(matmul(zeros({3, 0}), zeros({0, 2})), {3, 2}, {0, 0, 0, 0, 0, 0}, 0);
  EXPECT_EQ(matmul(zeros({0, 4}), zeros({4, 2})).shape(), (Shape{0, 2}));
  try {
    matmul(zeros({32, 784}), zeros({512, 10}));
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "matmul: [32, 784] x [512, 10]: inner dimensions 784 and 512 differ");
  }
  EXPECT_THROW(matmul(zeros({2, 2}, DType::boolean), zeros({2, 2}, DType::boolean)), DTypeError);
  EXPECT_THROW(matmul(scalar_tensor(1.0), zeros({1})), ShapeError);
}

TEST(Linear, WeightIsOutByInAndBiasBroadcasts) {
  const Tensor x = random_tensor({4, 3}, DType::f64, 7), w = random_tensor({5, 3}, DType::f64, 8);
  const Tensor b = random_tensor({5}, DType::f64, 9);
  const auto vx = values(x), vw = values(w), vb = values(b);
  std::vector<double> expected(20);
  for (int i = 0; i < 4; ++i)
    for (int o = 0; o < 5; ++o) {
      double acc = vb[o];
      for (int p = 0; p < 3; ++p) acc += vx[i * 3 + p] * vw[o * 3 + p];
      expected[i * 5 + o] = acc;
    }
  expect_values(linear(x, w, b), {4, 5}, expected, 1e-12, 1e-12);
  EXPECT_EQ(linear(random_tensor({2, 7, 3}, DType::f32, 1), w.to(DType::f32)).shape(), (Shape{2, 7, 5}));
  EXPECT_THROW(linear(x, w.t()), ShapeError);
  EXPECT_THROW(linear(x, w, zeros({4}, DType::f64)), ShapeError);
}

TEST(Linear, BiasAddedInsideTheProductMatchesOverDtypesAndBatches) {
  // The bias is written into the output and the GEMM accumulates onto it: the same values as a
  // product plus a bias, for every dtype (16-bit ones through f32), batch dims, an inner dimension
  // longer than a BLAS block, and an empty inner dimension (the output is then the bias).
  for (DType dtype : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64}) {
    for (int64_t k : {int64_t{0}, int64_t{3}, int64_t{700}}) {
      const Tensor x = random_tensor({2, 3, k}, dtype, 11), w = random_tensor({5, k}, dtype, 12);
      const Tensor b = random_tensor({5}, dtype, 13);
      const auto vx = values(x), vw = values(w), vb = values(b);
      std::vector<double> expected(30);
      for (int i = 0; i < 6; ++i)
        for (int o = 0; o < 5; ++o) {
          double acc = 0;
          for (int64_t p = 0; p < k; ++p) acc += vx[i * k + p] * vw[o * k + p];
          expected[i * 5 + o] = acc + vb[o];
        }
      // The result is rounded once to the dtype (sums over 700 terms need some room in f32).
      const double atol = dtype == DType::f32 ? 1e-4 : dtype == DType::f64 ? 1e-10 : 0.0;
      const Tensor y = linear(x, w, b);
      EXPECT_EQ(y.dtype(), dtype);
      expect_values(y, {2, 3, 5}, expected, tolerance(dtype), atol);
    }
  }
}

TEST(Matmul, LargeProductIsDeterministic) {
  const Tensor a = random_tensor({256, 300}, DType::f32, 1), b = random_tensor({300, 200}, DType::f32, 2);
  EXPECT_EQ(values(matmul(a, b)), values(matmul(a, b)));
}

}  // namespace
}  // namespace nimbus
