// The handle and fallback bookkeeping shared by the cuDNN paths (kernels/cuda/cudnn_common.h).
#include "kernels/cuda/cudnn_common.h"

#include <array>
#include <atomic>
#include <string>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cudnn_availability.h"
#include "kernels/kernel_switch.h"

namespace nimbus::cuda {

bool cudnn_not_built() {
  set_cudnn_unavailable_reason("this build has no cuDNN path (cudnn.h was not found when it was configured)");
  cudnn_switch().count(false);
  return false;
}

#if NIMBUS_HAVE_CUDNN

namespace {
constexpr int kMaxCudnnDevices = 64;
}  // namespace

cudnnHandle_t cudnn_handle(const CudnnLibrary& lib, Device device) {
  static std::atomic<bool> create_failed{false};
  if (create_failed.load(std::memory_order_relaxed) || device.index < 0 || device.index >= kMaxCudnnDevices)
    return nullptr;
  thread_local std::array<cudnnHandle_t, kMaxCudnnDevices> handles{};
  cudnnHandle_t& h = handles[static_cast<size_t>(device.index)];
  if (h == nullptr) {
    const cudnnStatus_t status = lib.Create(&h);
    if (!cudnn_ok(status)) {
      h = nullptr;
      create_failed.store(true, std::memory_order_relaxed);
      std::string reason = "cudnnCreate failed: ";
      reason.append(lib.GetErrorString(status));
      set_cudnn_unavailable_reason(reason);
      return nullptr;
    }
  }
  NIMBUS_CUDNN_CHECK(lib, lib.SetStream(h, current_cuda_stream(device)));
  return h;
}

#endif  // NIMBUS_HAVE_CUDNN

}  // namespace nimbus::cuda
