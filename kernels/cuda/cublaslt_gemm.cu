// GEMMs through cuBLASLt, with the bias in the epilogue.
//
// Note [cuBLASLt epilogues]
// cuBLASLt is the matmul library under cuBLAS (libcublas is built on it). Used directly it takes
// an epilogue: the bias (CUBLASLT_EPILOGUE_BIAS) or bias + GELU added to the f32 sums in
// registers, before the one rounding to the output type and the one store, so a linear layer
// writes its output once and reads nothing but its inputs.
//
// When it pays: linear computes x @ w^T + b by writing the expanded bias into its output and
// letting the GEMM accumulate onto it (beta = 1, kernels/linalg.cpp): that is a clone kernel
// writing M x N elements and the GEMM reading them back as C. The bias epilogue drops both
// passes, which matters where the GEMM is memory-bound (small K, small batches at inference) and
// is noise where K is large. A GELU epilogue would also drop the activation's read and write,
// but only for a fused linear + GELU op, which the kernel table does not have; training would
// also need the pre-activation kept for backward (CUBLASLT_EPILOGUE_GELU_AUX). No GELU epilogue is built.
// Without an epilogue, cuBLASLt picks from the kernels cublasGemmStridedBatchedEx uses and costs a
// heuristic query (a few microseconds of host time) per call.
//
// What the kernel table reaches: batched_gemm (matmul; the plain and accumulating forms) and
// batched_gemm_bias (linear with a bias: the bias epilogue, gemm.cu), both while the switch is on.
//
// Precision, as on the cuBLAS path (Note [cuBLAS layouts] in gemm.cu): f32 computes in f32,
// with TF32 only under NIMBUS_ALLOW_TF32=1; f16 and bf16 accumulate in f32 and round once; split-K
// reductions are limited to the compute type (CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE), the Lt
// counterpart of CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION.
//
// Fallback: the Lt path declines and the cuBLAS path runs the GEMM for f64 (no epilogue gain
// there, and its kernels are cuBLAS's anyway), for a broadcast batch operand (batch stride 0, not
// documented for cuBLASLt), for a bias that is not a dense vector of the output's dtype, and when
// the heuristic returns no algorithm for the layout, alignment and workspace. Operands with
// neither BLAS layout were already copied dense by the caller. A failure of the matmul itself,
// once an algorithm was chosen, is an error, not a fallback.
//
// Resources: one cuBLASLt handle per thread and device, never destroyed (as the cuBLAS handles,
// cublas_gemm.h); the workspace is the cuBLAS one of the (device, stream) pair (Note [cuBLAS
// workspace per stream]): work on one stream is ordered, so cuBLAS and cuBLASLt calls on it never
// use it at once. The alignments the heuristic may assume are the operands' real ones
// (lt_alignment_bytes), since it assumes 256 bytes otherwise and views may start anywhere.
//
// Linking: libcublasLt is linked like libcublas (Note in gemm.cu): libcublas already depends on
// it and ships beside it, so the module needs no library it did not need before.
//
// Off by default (NIMBUS_CUDA_LT_EPILOGUE=1 turns it on, kernels/kernel_switch.h): a
// kernel path stays off until its parity test has passed on a GPU (docs/GPU.md); the test is
// tests/gpu/cublaslt_gemm_parity_test.cpp.
#include <cublasLt.h>

#include <array>
#include <cstdint>

#include "kernels/cuda/cublas_gemm.h"
#include "kernels/cuda/cublaslt_gemm.h"
#include "kernels/cuda/cublaslt_layout.h"
#include "kernels/gemm_layout.h"

namespace nimbus::cuda {

namespace {

cublasLtHandle_t cublaslt_handle(Device device) {
  NIMBUS_CHECK_T(DeviceError, device.index >= 0 && device.index < kMaxCublasDevices, "cuBLASLt: device index ",
                 device.index, " is out of range");
  thread_local std::array<cublasLtHandle_t, kMaxCublasDevices> handles{};
  cublasLtHandle_t& h = handles[static_cast<size_t>(device.index)];
  if (h == nullptr) NIMBUS_CUBLAS_CHECK(cublasLtCreate(&h));
  return h;
}

size_t workspace_bytes(Device device) {
  thread_local std::array<size_t, kMaxCublasDevices> bytes{};
  size_t& b = bytes[static_cast<size_t>(device.index)];
  if (b == 0) b = cublas_workspace_bytes(device);
  return b;
}

// Owners of the descriptors of one call, destroyed on every path out (the calls may throw).
struct MatmulDesc {
  cublasLtMatmulDesc_t desc = nullptr;
  MatmulDesc(cublasComputeType_t compute, cudaDataType_t scale) {
    NIMBUS_CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc, compute, scale));
  }
  ~MatmulDesc() { if (desc != nullptr) cublasLtMatmulDescDestroy(desc); }
  MatmulDesc(const MatmulDesc&) = delete;
  MatmulDesc& operator=(const MatmulDesc&) = delete;
  template <typename T>
  void set(cublasLtMatmulDescAttributes_t attribute, const T& value) {
    NIMBUS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, attribute, &value, sizeof(value)));
  }
};

struct MatrixDesc {
  cublasLtMatrixLayout_t layout = nullptr;
  MatrixDesc(cudaDataType_t type, const LtMatrix& m, int32_t batches) {
    NIMBUS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&layout, type, m.rows, m.cols, m.ld));
    if (batches > 1) {
      NIMBUS_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batches,
                                                           sizeof(batches)));
      NIMBUS_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                                           &m.batch_stride, sizeof(m.batch_stride)));
    }
  }
  ~MatrixDesc() { if (layout != nullptr) cublasLtMatrixLayoutDestroy(layout); }
  MatrixDesc(const MatrixDesc&) = delete;
  MatrixDesc& operator=(const MatrixDesc&) = delete;
};

struct Preference {
  cublasLtMatmulPreference_t pref = nullptr;
  Preference() { NIMBUS_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref)); }
  ~Preference() { if (pref != nullptr) cublasLtMatmulPreferenceDestroy(pref); }
  Preference(const Preference&) = delete;
  Preference& operator=(const Preference&) = delete;
  template <typename T>
  void set(cublasLtMatmulPreferenceAttributes_t attribute, const T& value) {
    NIMBUS_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, attribute, &value, sizeof(value)));
  }
};

uint64_t address_of(const Tensor& t) { return reinterpret_cast<uint64_t>(t.data_ptr()); }

}  // namespace

bool cublaslt_gemm(const Tensor& out, const Tensor& a, const Tensor& w, bool accumulate, const Tensor& bias) {
  const DType dt = out.dtype();
  if (dt != DType::f32 && dt != DType::f16 && dt != DType::bf16) return false;
  // The bias epilogue's kernels may load the bias in 16-byte vectors, and no preference says
  // otherwise: a bias view at another alignment stays on the cuBLAS path.
  if (bias.defined() && (bias.dtype() != dt || bias.dim() != 1 || bias.size(0) != out.size(2) ||
                         bias.stride(0) != 1 || bias.device() != out.device() ||
                         reinterpret_cast<uintptr_t>(bias.data_ptr()) % 16 != 0))
    return false;
  const int64_t batches = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
  const std::optional<MatrixLayout> la = blas_layout(m, k, a.stride(1), a.stride(2));
  const std::optional<MatrixLayout> lw = blas_layout(k, n, w.stride(1), w.stride(2));
  if (!la || !lw) return false;
  const std::optional<LtGemmShape> shape = lt_gemm_shape(batches, m, n, k, *la, a.stride(0), *lw, w.stride(0));
  if (!shape) return false;

  const cudaDataType_t type = cublas_type(dt, "matmul");
  const cublasComputeType_t compute =
      dt == DType::f32 && allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  MatmulDesc desc(compute, CUDA_R_32F);
  const cublasOperation_t trans_a = shape->a.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t trans_b = shape->b.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  desc.set(CUBLASLT_MATMUL_DESC_TRANSA, trans_a);
  desc.set(CUBLASLT_MATMUL_DESC_TRANSB, trans_b);
  if (bias.defined()) {
    // The bias runs along the rows of the column-major D, which are the columns of our out.
    desc.set(CUBLASLT_MATMUL_DESC_EPILOGUE, CUBLASLT_EPILOGUE_BIAS);
    desc.set(CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias.data_ptr());
  }
  // cuBLASLt's A is w, its B is a, its C and D are out (LtGemmShape).
  const MatrixDesc w_layout(type, shape->a, shape->batches), a_layout(type, shape->b, shape->batches);
  const MatrixDesc out_layout(type, shape->d, shape->batches);

  const Device device = out.device();
  const size_t ws_bytes = workspace_bytes(device);
  Preference pref;
  pref.set(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, static_cast<uint64_t>(ws_bytes));
  // Unsplit sums, or split-K partial sums combined in f32: never in the f16/bf16 output type.
  pref.set(CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK,
           static_cast<uint32_t>(CUBLASLT_REDUCTION_SCHEME_NONE | CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE));
  const int64_t elem = static_cast<int64_t>(out.element_size());
  const uint32_t align_w = lt_alignment_bytes(address_of(w), shape->a.batch_stride * elem, batches);
  const uint32_t align_a = lt_alignment_bytes(address_of(a), shape->b.batch_stride * elem, batches);
  const uint32_t align_d = lt_alignment_bytes(address_of(out), shape->d.batch_stride * elem, batches);
  pref.set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, align_w);
  pref.set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, align_a);
  pref.set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, align_d);
  pref.set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, align_d);

  const cublasLtHandle_t handle = cublaslt_handle(device);
  cublasLtMatmulHeuristicResult_t heuristic{};
  int found = 0;
  const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(handle, desc.desc, w_layout.layout, a_layout.layout,
                                                               out_layout.layout, out_layout.layout, pref.pref,
                                                               1, &heuristic, &found);
  // NOT_SUPPORTED is cuBLASLt's "no algorithm for this problem": fall back, as with zero results.
  if (status == CUBLAS_STATUS_NOT_SUPPORTED || (status == CUBLAS_STATUS_SUCCESS && found == 0)) return false;
  NIMBUS_CUBLAS_CHECK(status);

  const cudaStream_t stream = current_cuda_stream(device);
  const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  NIMBUS_CUBLAS_CHECK(cublasLtMatmul(handle, desc.desc, &alpha, w.data_ptr(), w_layout.layout, a.data_ptr(),
                                     a_layout.layout, &beta, out.data_ptr(), out_layout.layout, out.data_ptr(),
                                     out_layout.layout, &heuristic.algo, cublas_workspace(device, stream, ws_bytes),
                                     ws_bytes, stream));
  return true;
}

}  // namespace nimbus::cuda
