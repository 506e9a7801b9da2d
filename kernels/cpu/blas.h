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
  std::string description;  // configuration and the kernel set ("core") it chose
  std::string core;
};

// Loads the library the first time (thread-safe); throws Error naming what is missing.
const Blas& blas();

// Row-major C = alpha op(A) op(B) + beta C for float or double, op = transpose when ta / tb.
template <typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "BLAS GEMM is float or double");
  const auto trans_a = ta ? CblasTrans : CblasNoTrans, trans_b = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    blas().sgemm(CblasRowMajor, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    blas().dgemm(CblasRowMajor, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

}  // namespace nimbus::cpu
