#pragma once
// cuBLAS plumbing shared by the kernels that multiply matrices (gemm.cu, conv.cu): the status
// check, the per-thread handle of a device, the TF32 switch, and a row-major strided-batched GEMM
// whose output may be wider than its inputs (f16/bf16 in, f32 out) so that a caller can keep the
// f32 sums for an epilogue and round once, as the CPU does. See Note [cuBLAS layouts] in gemm.cu.
#include <cublas_v2.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>

#include "kernels/cuda/cuda_kernels.h"

namespace nimbus::cuda {

#define NIMBUS_CUBLAS_CHECK(call)                                                                  \
  do {                                                                                             \
    const cublasStatus_t nimbus_status_ = (call);                                                  \
    if (nimbus_status_ != CUBLAS_STATUS_SUCCESS)                                                   \
      NIMBUS_THROW(Error, #call, " failed: ", cublasGetStatusString(nimbus_status_));              \
  } while (0)

constexpr int kMaxCublasDevices = 64;

// Note [cuBLAS workspace per stream]
// cuBLAS kernels keep scratch data in the handle's workspace. A thread's handle serves every stream
// the thread makes current, and cublasSetStream falls back to one default workspace per handle, so
// two streams' GEMMs issued from one thread could run at once on the same scratch bytes. Each
// (device, stream) pair therefore gets a workspace of its own, set on the handle with the stream.
// Work on one stream is ordered, so all threads that use a stream can share its workspace. The
// size is cuBLAS's recommendation: 32 MiB on Hopper and later, 4 MiB before. Workspaces come from
// the device's caching allocator (so they show in its statistics) and live as long as the
// process, like the handles.
inline size_t cublas_workspace_bytes(Device device) {
  int major = 0;
  NIMBUS_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device.index));
  return major >= 9 ? size_t(32) << 20 : size_t(4) << 20;
}

inline void* cublas_workspace(Device device, cudaStream_t stream, size_t bytes) {
  static std::mutex mutex;
  static std::map<std::pair<int, cudaStream_t>, Tensor> workspaces;
  const std::lock_guard<std::mutex> lock(mutex);
  Tensor& w = workspaces[{device.index, stream}];
  if (!w.defined()) w = empty({static_cast<int64_t>(bytes)}, {DType::u8, device});
  return w.data_ptr();
}

// One handle per thread and device: a handle carries its stream, so sharing one across threads
// would race on cublasSetStream. Handles are never destroyed: destroying them at thread or process
// exit can run after the CUDA runtime has shut down (PyTorch leaks them for the same reason).
// Inline with a function-local thread_local: every kernel file of the module shares the handles.
inline cublasHandle_t cublas_handle(Device device) {
  NIMBUS_CHECK_T(DeviceError, device.index >= 0 && device.index < kMaxCublasDevices, "cuBLAS: device index ",
                 device.index, " is out of range");
  thread_local std::array<cublasHandle_t, kMaxCublasDevices> handles{};
  cublasHandle_t& h = handles[static_cast<size_t>(device.index)];
  if (h == nullptr) {
    NIMBUS_CUBLAS_CHECK(cublasCreate(&h));
    NIMBUS_CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION));
  }
  const cudaStream_t stream = current_cuda_stream(device);
  NIMBUS_CUBLAS_CHECK(cublasSetStream(h, stream));
  // After the stream: cublasSetStream resets the handle to its default workspace.
  thread_local std::array<size_t, kMaxCublasDevices> workspace_bytes{};
  size_t& bytes = workspace_bytes[static_cast<size_t>(device.index)];
  if (bytes == 0) bytes = cublas_workspace_bytes(device);
  NIMBUS_CUBLAS_CHECK(cublasSetWorkspace(h, cublas_workspace(device, stream, bytes), bytes));
  return h;
}

// f32 GEMMs use TF32 tensor cores only when NIMBUS_ALLOW_TF32=1 is in the environment.
inline bool allow_tf32() {
  static const bool allowed = [] {
    const char* v = std::getenv("NIMBUS_ALLOW_TF32");
    return v != nullptr && v[0] == '1';
  }();
  return allowed;
}

// One operand of a row-major GEMM: a matrix stored row-major with leading dimension `ld` (its
// stored row length or more), used as stored or transposed, `stride` elements from one batch
// entry to the next (0: the same matrix for every entry).
struct GemmOperand {
  const void* data;
  int64_t ld, stride;
  bool transposed;
};

inline int cublas_int(int64_t v, const char* op, const char* what) {
  NIMBUS_CHECK_T(ShapeError, v >= 0 && v <= INT32_MAX, op, ": ", what, " ", v,
                 " exceeds the 32-bit range of the cuBLAS call");
  return static_cast<int>(v);
}

inline cudaDataType_t cublas_type(DType t, const char* op) {
  switch (t) {
    case DType::f32: return CUDA_R_32F;
    case DType::f64: return CUDA_R_64F;
    case DType::f16: return CUDA_R_16F;
    case DType::bf16: return CUDA_R_16BF;
    default: NIMBUS_THROW(DTypeError, op, ": unsupported dtype ", dtype_name(t), " for cuBLAS");
  }
}

// c[b] = op(a[b]) @ op(bm[b]) (+ c[b] when `accumulate`) for b < batches, where op(a) is [m, k],
// op(bm) is [k, n] and c is row-major [m, n] with leading dimension ldc, `stride_c` elements
// apart. a and bm hold `in` elements; c holds `out` elements: `in` itself, or f32 when `in` is
// f16/bf16 (f32 accumulation either way; f64 computes in f64). Needs m, n, k >= 1.
inline void row_major_gemm(Device device, DType in, DType out, int64_t batches, int64_t m, int64_t n, int64_t k,
                           const GemmOperand& a, const GemmOperand& bm, void* c, int64_t ldc, int64_t stride_c,
                           bool accumulate, const char* op) {
  const cudaDataType_t in_type = cublas_type(in, op), out_type = cublas_type(out, op);
  const bool f64 = in == DType::f64;
  const cublasComputeType_t compute =
      f64 ? CUBLAS_COMPUTE_64F
          : (in == DType::f32 && allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F);
  const float alpha32 = 1.0f, beta32 = accumulate ? 1.0f : 0.0f;
  const double alpha64 = 1.0, beta64 = accumulate ? 1.0 : 0.0;
  const void* alpha = f64 ? static_cast<const void*>(&alpha64) : static_cast<const void*>(&alpha32);
  const void* beta = f64 ? static_cast<const void*>(&beta64) : static_cast<const void*>(&beta32);
  // Row-major c = op(a) op(b) is column-major c^T = op(b)^T op(a)^T: b goes first (Note [cuBLAS
  // layouts] in gemm.cu), each operand keeping its own transpose flag.
  NIMBUS_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
      cublas_handle(device), bm.transposed ? CUBLAS_OP_T : CUBLAS_OP_N, a.transposed ? CUBLAS_OP_T : CUBLAS_OP_N,
      cublas_int(n, op, "N"), cublas_int(m, op, "M"), cublas_int(k, op, "K"), alpha, bm.data, in_type,
      cublas_int(bm.ld, op, "leading dimension"), bm.stride, a.data, in_type, cublas_int(a.ld, op, "leading dimension"),
      a.stride, beta, c, out_type, cublas_int(ldc, op, "leading dimension"), stride_c,
      cublas_int(batches, op, "batch count"), compute, CUBLAS_GEMM_DEFAULT));
}

}  // namespace nimbus::cuda
