// CUDA batched GEMM: floating dtypes through cuBLAS, integers through a simple kernel.
//
// Note [cuBLAS layouts]
// cuBLAS is column-major; our matrices are row-major with a leading dimension (or transposed).
// out = a @ w in row-major is out^T = w^T a^T in column-major, and a row-major [R, C] matrix with
// leading dimension ld is, read column-major, its own transpose with the same ld. So one call
// computes it with m = N, n = M, k = K, the first operand w and the second a, each "N" when its
// row-major layout is plain and "T" when it is the transpose of a row-major matrix (the CPU's
// rule, kernels/cpu/gemm_cpu.cpp); operands with neither layout are copied dense first. Batches
// are one strided-batched call; a broadcast batch dim is batch stride 0.
//
// Precision: f32 computes in f32 with TF32 off (bitwise-closer to the CPU, and what a user
// expects from "float32"); NIMBUS_ALLOW_TF32=1 in the environment allows TF32 tensor cores.
// f16/bf16 multiply on tensor cores with f32 accumulation and one rounding of the result (the
// CPU rounds once too); reduced-precision reductions are disallowed. f64 uses f64 throughout.
// `accumulate` is beta = 1.
//
// Linking: cuBLAS is linked dynamically into libnimbus_cuda, which itself is only dlopen'ed on
// first use of a CUDA device, so CPU-only programs never load it. The static cuBLAS is several
// hundred MB and would dominate link time; loading it with dlopen would duplicate its API in a
// function table for no gain at this layer. If libcublas cannot be found, the backend module
// fails to load and CUDA reports zero devices with the loader's message (cuda_backend_status()).
// libcublasLt, which libcublas depends on anyway, is linked the same way (Note [cuBLASLt
// epilogues] in cublaslt_gemm.cu).
#include <array>
#include <optional>

#include "kernels/kernel_switch.h"
#include "kernels/cuda/cublas_gemm.h"
#include "kernels/cuda/cublaslt_gemm.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/gemm_layout.h"

namespace nimbus::cuda {

namespace {

Tensor blas_ready(const Tensor& t) {
  if (blas_layout(t.size(1), t.size(2), t.stride(1), t.stride(2))) return t;
  return contiguous_on_device(t);
}

int to_int(int64_t v, const char* what) {
  NIMBUS_CHECK_T(ShapeError, v >= 0 && v <= INT32_MAX, "matmul: ", what, " ", v,
                 " exceeds the 32-bit range of the cuBLAS call");
  return static_cast<int>(v);
}

// `try_lt` false: cuBLASLt already declined this product (in its bias form), so it is neither
// asked again nor counted twice.
void cublas_batched(const Tensor& out, const Tensor& a_in, const Tensor& w_in, bool accumulate, bool try_lt = true) {
  const Tensor a = blas_ready(a_in), w = blas_ready(w_in);
  // Behind its switch until its parity test has passed on a GPU (Note [cuBLASLt epilogues]).
  if (try_lt && cublaslt_gemm_switch().enabled()) {
    const bool ran_on_lt = cublaslt_gemm(out, a, w, accumulate);
    cublaslt_gemm_switch().count(ran_on_lt);
    if (ran_on_lt) return;
  }
  const int64_t batches = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
  const MatrixLayout la = *blas_layout(m, k, a.stride(1), a.stride(2));
  const MatrixLayout lw = *blas_layout(k, n, w.stride(1), w.stride(2));
  cudaDataType_t type = CUDA_R_32F;
  cublasComputeType_t compute = allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  switch (out.dtype()) {
    case DType::f32: break;
    case DType::f64: type = CUDA_R_64F; compute = CUBLAS_COMPUTE_64F; break;
    case DType::f16: type = CUDA_R_16F; compute = CUBLAS_COMPUTE_32F; break;
    case DType::bf16: type = CUDA_R_16BF; compute = CUBLAS_COMPUTE_32F; break;
    default: NIMBUS_THROW(DTypeError, "matmul: unsupported dtype ", dtype_name(out.dtype()), " on cuda");
  }
  const float alpha32 = 1.0f, beta32 = accumulate ? 1.0f : 0.0f;
  const double alpha64 = 1.0, beta64 = accumulate ? 1.0 : 0.0;
  const bool f64 = out.dtype() == DType::f64;
  const void* alpha = f64 ? static_cast<const void*>(&alpha64) : static_cast<const void*>(&alpha32);
  const void* beta = f64 ? static_cast<const void*>(&beta64) : static_cast<const void*>(&beta32);
  const cublasHandle_t h = cublas_handle(out.device());
  NIMBUS_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
      h, lw.transposed ? CUBLAS_OP_T : CUBLAS_OP_N, la.transposed ? CUBLAS_OP_T : CUBLAS_OP_N, to_int(n, "N"),
      to_int(m, "M"), to_int(k, "K"), alpha, w.data_ptr(), type, to_int(lw.ld, "leading dimension"), w.stride(0),
      a.data_ptr(), type, to_int(la.ld, "leading dimension"), a.stride(0), beta, out.data_ptr(), type,
      to_int(std::max<int64_t>(n, 1), "N"), m * n, to_int(batches, "batch count"), compute, CUBLAS_GEMM_DEFAULT));
}

// Integers (cuBLAS has no integer GEMM at these widths): one thread per output element, products
// summed in k order in the type itself (wrapping as the CPU's Eigen path does).
template <typename T>
__global__ void integer_gemm_kernel(T* out, const T* a, const T* w, int64_t B, int64_t M, int64_t N, int64_t K,
                                    std::array<int64_t, 3> sa, std::array<int64_t, 3> sw, bool accumulate) {
  const int64_t total = B * M * N, step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t b = i / (M * N), r = (i / N) % M, c = i % N;
    const T* pa = a + b * sa[0] + r * sa[1];
    const T* pw = w + b * sw[0] + c * sw[2];
    T acc = accumulate ? out[i] : T(0);
    for (int64_t j = 0; j < K; ++j) acc = static_cast<T>(acc + pa[j * sa[2]] * pw[j * sw[1]]);
    out[i] = acc;
  }
}

template <typename T>
void integer_batched(const Tensor& out, const Tensor& a, const Tensor& w, bool accumulate) {
  const int64_t B = out.size(0), M = out.size(1), N = out.size(2), K = a.size(2);
  integer_gemm_kernel<T><<<blocks_for(B * M * N), kBlockSize, 0, current_cuda_stream(out.device())>>>(
      static_cast<T*>(out.data_ptr()), static_cast<const T*>(a.data_ptr()), static_cast<const T*>(w.data_ptr()), B, M,
      N, K, {a.stride(0), a.stride(1), a.stride(2)}, {w.stride(0), w.stride(1), w.stride(2)}, accumulate);
  NIMBUS_CUDA_CHECK_LAUNCH();
}

void batched_gemm(const Tensor& out, const Tensor& a, const Tensor& w, bool accumulate, bool try_lt) {
  if (out.numel() == 0) return;
  DeviceScope scope(out.device().index);
  if (a.size(2) == 0) {  // empty inner dimension: the sum over nothing is zero
    if (!accumulate)
      NIMBUS_CUDA_CHECK(cudaMemsetAsync(out.data_ptr(), 0, static_cast<size_t>(out.numel()) * out.element_size(),
                                        current_cuda_stream(out.device())));
    return;
  }
  switch (out.dtype()) {
    case DType::i32: return integer_batched<int32_t>(out, a, w, accumulate);
    case DType::i64: return integer_batched<int64_t>(out, a, w, accumulate);
    default: return cublas_batched(out, a, w, accumulate, try_lt);
  }
}

void batched_gemm_kernel(const Tensor& out, const Tensor& a, const Tensor& w, bool accumulate) {
  batched_gemm(out, a, w, accumulate, /*try_lt=*/true);
}

// linear's product: the bias in cuBLASLt's epilogue while its switch is on (Note [cuBLASLt
// epilogues]); otherwise, or where Lt declines, the bias written into out and the GEMM adding the
// product onto it, as linear does without this entry.
void batched_gemm_bias_kernel(const Tensor& out, const Tensor& a, const Tensor& w, const Tensor& bias) {
  if (out.numel() == 0) return;
  DeviceScope scope(out.device().index);
  const bool floating = out.dtype() == DType::f32 || out.dtype() == DType::f16 || out.dtype() == DType::bf16;
  bool lt_declined = false;
  if (floating && a.size(2) > 0 && cublaslt_gemm_switch().enabled()) {
    const bool ran_on_lt = cublaslt_gemm(out, blas_ready(a), blas_ready(w), /*accumulate=*/false, bias);
    cublaslt_gemm_switch().count(ran_on_lt);
    if (ran_on_lt) return;
    lt_declined = true;
  }
  out.copy_(bias.expand(out.shape()));
  batched_gemm(out, a, w, /*accumulate=*/true, /*try_lt=*/!lt_declined);
}

}  // namespace

void fill_gemm_kernels(KernelTable& table) {
  table.batched_gemm = batched_gemm_kernel;
  table.batched_gemm_bias = batched_gemm_bias_kernel;
}

}  // namespace nimbus::cuda
