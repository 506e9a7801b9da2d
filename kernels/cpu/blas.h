#pragma once
// The BLAS (OpenBLAS, OpenMP build), loaded on first use. See Note [BLAS loading] in blas.cpp.
#include <cblas.h>

#include <cstdint>
#include <string>
#include <type_traits>

namespace nimbus::cpu {

struct Blas {
  decltype(&cblas_sgemm) sgemm = nullptr;
  decltype(&cblas_dgemm) dgemm = nullptr;
  decltype(&cblas_sgemv) sgemv = nullptr;
  decltype(&cblas_dgemv) dgemv = nullptr;
  std::string description;  // configuration and the kernel set ("core") it chose
  std::string core;
};

// Loads the library the first time (thread-safe); throws Error naming what is missing.
const Blas& blas();

// Row-major y = alpha op(M) x + beta y for float or double, op = transpose when `transpose`; M is
// rows x cols with leading dimension ld, x and y strided.
template <typename T>
void gemv(bool transpose, int64_t rows, int64_t cols, T alpha, const T* m, int64_t ld, const T* x, int64_t incx,
          T beta, T* y, int64_t incy) {
  const auto trans = transpose ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    blas().sgemv(CblasRowMajor, trans, rows, cols, alpha, m, ld, x, incx, beta, y, incy);
  } else {
    blas().dgemv(CblasRowMajor, trans, rows, cols, alpha, m, ld, x, incx, beta, y, incy);
  }
}

// Row-major C = alpha op(A) op(B) + beta C for float or double, op = transpose when ta / tb.
//
// Note [Vector products]
// A product with one output row (m == 1: a linear layer on one example, as a server runs it) or
// one output column is a matrix-vector product, and goes to GEMV. OpenBLAS's GEMM packs the whole
// matrix operand into its blocked layout before multiplying, whatever m is: for one row through a
// 128 x 64 weight that copy cost more than the arithmetic (two thirds of a one-row MLP forward).
// GEMV reads the matrix once, in place. The sums are the same products added in another order, so
// a row computed alone may differ from the same row in a batch by rounding, as it already could
// between GEMM block sizes.
template <typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "BLAS GEMM is float or double");
  if (k > 0 && m == 1) {  // c (one row) = op(B)^T a: a is A's only row, or its only column
    if (tb) gemv<T>(false, n, k, alpha, b, ldb, a, ta ? lda : 1, beta, c, 1);  // B stored [n, k]
    else gemv<T>(true, k, n, alpha, b, ldb, a, ta ? lda : 1, beta, c, 1);      // B stored [k, n]
    return;
  }
  if (k > 0 && n == 1) {  // c (one column) = op(A) b
    if (ta) gemv<T>(true, k, m, alpha, a, lda, b, tb ? 1 : ldb, beta, c, ldc);  // A stored [k, m]
    else gemv<T>(false, m, k, alpha, a, lda, b, tb ? 1 : ldb, beta, c, ldc);    // A stored [m, k]
    return;
  }
  const auto trans_a = ta ? CblasTrans : CblasNoTrans, trans_b = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    blas().sgemm(CblasRowMajor, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    blas().dgemm(CblasRowMajor, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

}  // namespace nimbus::cpu
