#pragma once
// The cuBLASLt GEMM of the CUDA module (Note [cuBLASLt epilogues] in cublaslt_gemm.cu), used by
// gemm.cu while the NIMBUS_CUDA_LT_EPILOGUE switch is on.
#include "kernels/cuda/cuda_kernels.h"

namespace nimbus::cuda {

// out [B, M, N] (dense) = a [B, M, K] @ w [B, K, N] (+ out when `accumulate`, + bias [N] broadcast
// over the rows when `bias` is defined: the bias epilogue) through cuBLASLt. a and w must already
// have BLAS layouts (Note [GEMM layouts]); M, N, K >= 1. Returns false, having done nothing, where
// the Lt path declines: f64 or integer dtypes, a bias that is not a dense vector of out's dtype, a
// broadcast batch operand, or no algorithm from cuBLASLt's heuristic; the caller then runs the
// cuBLAS path.
bool cublaslt_gemm(const Tensor& out, const Tensor& a, const Tensor& w, bool accumulate, const Tensor& bias = Tensor());

}  // namespace nimbus::cuda
