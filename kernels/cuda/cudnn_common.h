#pragma once
// What the cuDNN paths (cudnn_conv.cu, cudnn_pool.cpp, cudnn_batch_norm.cpp) share: the per-thread handle, the status
// checks and the alpha/beta scalars, so that a thread holds one handle per device whichever path
// it runs, and a cuDNN that cannot create one is given up once for all of them.
#if NIMBUS_HAVE_CUDNN
#include "kernels/cuda/cudnn_library.h"
#include "runtime/device.h"
#include "runtime/error.h"
#endif

namespace nimbus::cuda {

// For a module built without cudnn.h: records why cuDNN is unavailable, counts the call as left
// to its fallback on cudnn_switch(), and returns false (the caller runs its own kernels).
bool cudnn_not_built();

#if NIMBUS_HAVE_CUDNN

// Throws with cudnnGetErrorString's text when `call` fails: for calls whose failure is an error,
// not a configuration cuDNN declines.
#define NIMBUS_CUDNN_CHECK(lib, call)                                                              \
  do {                                                                                             \
    const cudnnStatus_t nimbus_status_ = (call);                                                   \
    if (nimbus_status_ != CUDNN_STATUS_SUCCESS)                                                    \
      NIMBUS_THROW(Error, #call, " failed: ", (lib).GetErrorString(nimbus_status_));               \
  } while (0)

inline bool cudnn_ok(cudnnStatus_t s) { return s == CUDNN_STATUS_SUCCESS; }

// A status by which an executing call turns down its arguments before launching anything, so the
// caller may run its own kernels instead: cuDNN 9 groups its statuses by thousands, and 3000-3999
// say "not supported" (a type, layout, shape or GPU its kernels lack); a misaligned pointer (a
// 16-bit tensor that is a view at an odd offset, say) is the other.
inline bool cudnn_declines(cudnnStatus_t s) {
  return (static_cast<int>(s) >= CUDNN_STATUS_NOT_SUPPORTED && static_cast<int>(s) < CUDNN_STATUS_INTERNAL_ERROR) ||
         s == CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER;
}

// The outcome of an executing cuDNN call: true when it ran, false when cuDNN declined (the caller
// runs its own kernels); any other status throws with cuDNN's text, naming `op`.
inline bool cudnn_ran(const CudnnLibrary& lib, cudnnStatus_t status, const char* op) {
  if (cudnn_declines(status)) return false;
  if (!cudnn_ok(status)) NIMBUS_THROW(Error, op, ": cuDNN failed: ", lib.GetErrorString(status));
  return true;
}

// This thread's handle on `device`, bound to the current stream; nullptr once creating a handle
// has failed in this process (a cuDNN that loads but cannot run here, e.g. missing sub-libraries
// or an unsupported GPU), with the reason recorded. One handle per (thread, device), like
// cuBLAS's: a handle carries its stream, so sharing one across threads would race on
// cudnnSetStream. Never destroyed: destruction at exit can run after the CUDA runtime is gone.
cudnnHandle_t cudnn_handle(const CudnnLibrary& lib, Device device);

// alpha = 1, beta = 0 in the type cuDNN scales with: double for f64 data, float otherwise.
struct CudnnScaling {
  explicit CudnnScaling(bool double_data) : in_double(double_data) {}
  const void* one() const { return in_double ? static_cast<const void*>(&one_d) : static_cast<const void*>(&one_f); }
  const void* zero() const { return in_double ? static_cast<const void*>(&zero_d) : static_cast<const void*>(&zero_f); }

  bool in_double;
  float one_f = 1.0f, zero_f = 0.0f;
  double one_d = 1.0, zero_d = 0.0;
};

#endif  // NIMBUS_HAVE_CUDNN

}  // namespace nimbus::cuda
