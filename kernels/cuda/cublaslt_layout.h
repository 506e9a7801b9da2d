#pragma once
// The plain-C++ half of the cuBLASLt GEMM (Note [cuBLASLt epilogues] in cublaslt_gemm.cu): how a
// row-major batched GEMM out[b] = a[b] @ w[b] becomes cuBLASLt's column-major matrix layouts,
// and how aligned the operands' pointers are. No CUDA types here, so CPU tests can check it.
#include <algorithm>
#include <cstdint>
#include <optional>

#include "kernels/gemm_layout.h"

namespace nimbus::cuda {

// One column-major matrix as cuBLASLt stores it (cublasLtMatrixLayoutCreate describes the stored
// matrix, before its transpose flag applies): rows x cols with leading dimension ld, batch_stride
// elements from one batch entry to the next.
struct LtMatrix {
  uint64_t rows = 0, cols = 0;
  int64_t ld = 0, batch_stride = 0;
  bool transposed = false;
};

// The three matrices of one cuBLASLt call. As in Note [cuBLAS layouts] (gemm.cu), row-major
// out = a @ w is column-major out^T = w^T a^T: cuBLASLt's A is w, its B is a, and its C/D is out,
// an [n, m] column-major matrix with ld = n, i.e. our dense row-major [m, n].
struct LtGemmShape {
  LtMatrix a, b, d;
  int32_t batches = 1;
};

// The shape for out [batches, m, n] (dense) = a [batches, m, k] (layout la, a_stride elements
// apart) @ w [batches, k, n] (layout lw, w_stride apart); m, n, k >= 1. nullopt where the Lt
// path declines and the cuBLAS path keeps the GEMM: a batch count beyond int32, or a broadcast
// operand (batch stride 0) over several batches, which cuBLASLt is not documented to accept.
inline std::optional<LtGemmShape> lt_gemm_shape(int64_t batches, int64_t m, int64_t n, int64_t k,
                                                const MatrixLayout& la, int64_t a_stride, const MatrixLayout& lw,
                                                int64_t w_stride) {
  if (batches < 1 || batches > INT32_MAX || m < 1 || n < 1 || k < 1) return std::nullopt;
  if (batches > 1 && (a_stride == 0 || w_stride == 0)) return std::nullopt;
  const auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
  LtGemmShape s;
  s.batches = static_cast<int32_t>(batches);
  // w is row-major [k, n]: stored plain it reads column-major as [n, k] ("N"); stored as the
  // transpose of a row-major [n, k] it reads column-major as [k, n] ("T").
  s.a = lw.transposed ? LtMatrix{u(k), u(n), lw.ld, w_stride, true} : LtMatrix{u(n), u(k), lw.ld, w_stride, false};
  // a is row-major [m, k]: column-major [k, m] plain, [m, k] with "T".
  s.b = la.transposed ? LtMatrix{u(m), u(k), la.ld, a_stride, true} : LtMatrix{u(k), u(m), la.ld, a_stride, false};
  s.d = LtMatrix{u(n), u(m), n, m * n, false};
  return s;
}

// The alignment cuBLASLt may assume for an operand: the largest power of two, up to 256 bytes,
// that divides its address and, over several batches, the byte distance between batch entries.
// The heuristic assumes 256 by default, so a view that starts mid-allocation must say less or
// the chosen kernel may read misaligned vectors.
inline uint32_t lt_alignment_bytes(uint64_t address, int64_t batch_stride_bytes, int64_t batches) {
  uint64_t bits = address | 256u;
  if (batches > 1 && batch_stride_bytes != 0)
    bits |= static_cast<uint64_t>(batch_stride_bytes < 0 ? -batch_stride_bytes : batch_stride_bytes);
  return static_cast<uint32_t>(bits & (~bits + 1));  // the lowest set bit
}

}  // namespace nimbus::cuda
