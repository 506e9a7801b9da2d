#pragma once
// Note [GEMM layouts]
// BLAS (OpenBLAS on the CPU, cuBLAS on CUDA) takes row-major matrices with a leading dimension,
// transposed or not. A [M,K] operand with strides (s0, 1) is "N" with ld = s0; with strides
// (1, s1) it is the transpose of a row-major [K,M] matrix, "T" with ld = s1. Anything else (both
// strides > 1) is copied contiguous first. Size-1 dims may carry any stride.
#include <algorithm>
#include <cstdint>
#include <optional>

namespace nimbus {

struct MatrixLayout {
  bool transposed = false;
  int64_t ld = 0;
};

// The BLAS view of a 2-d operand's strides, or nullopt when it must be copied.
inline std::optional<MatrixLayout> blas_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  if (col_stride == 1 || cols == 1) {
    const int64_t ld = rows == 1 ? std::max<int64_t>(cols, 1) : row_stride;
    if (ld >= std::max<int64_t>(cols, 1)) return MatrixLayout{false, ld};
  }
  if (row_stride == 1 || rows == 1) {
    const int64_t ld = cols == 1 ? std::max<int64_t>(rows, 1) : col_stride;
    if (ld >= std::max<int64_t>(rows, 1)) return MatrixLayout{true, ld};
  }
  return std::nullopt;
}

}  // namespace nimbus
