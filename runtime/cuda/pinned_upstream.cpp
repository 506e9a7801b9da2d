// Page-locked host memory and CUDA events for the pinned host pool (Note [Pinned host memory] in
// runtime/pinned_host_pool.h).
#include <cuda_runtime_api.h>

#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/cuda_event.h"
#include "runtime/cuda/cuda_upstream.h"
#include "runtime/cuda/device_scope.h"

namespace nimbus::cuda {

namespace {

class PinnedHostUpstream final : public MemoryUpstream {
 public:
  void* allocate(size_t bytes) override {
    void* ptr = nullptr;
    // Portable: every device of the process may copy from and to it, not only the current one.
    const cudaError_t status = cudaHostAlloc(&ptr, bytes, cudaHostAllocPortable);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      return nullptr;  // exhaustion: the pool releases its cache and retries
    }
    NIMBUS_CUDA_CHECK(status);
    return ptr;
  }

  void deallocate(void* ptr, size_t) noexcept override { cudaFreeHost(ptr); }

  // An event is created on the stream's device and recorded there; 0 stands for work on the host,
  // which is finished by the time it is declared. Events are few (one per asynchronous copy), so
  // they are created and destroyed rather than pooled per device.
  uint64_t record_event(const Stream& stream) override {
    if (stream.device.is_cpu()) return 0;
    DeviceScope scope(stream.device.index);
    cudaEvent_t event = nullptr;
    NIMBUS_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
    const cudaError_t status = cudaEventRecord(event, reinterpret_cast<cudaStream_t>(stream.handle));
    if (status != cudaSuccess) cudaEventDestroy(event);
    NIMBUS_CUDA_CHECK(status);
    return reinterpret_cast<uint64_t>(event);
  }

  bool event_completed(uint64_t event) override {
    return event == 0 || event_finished(reinterpret_cast<cudaEvent_t>(event));
  }

  void release_event(uint64_t event) noexcept override {
    if (event != 0) cudaEventDestroy(reinterpret_cast<cudaEvent_t>(event));
  }

  Device device() const override { return Device::cpu(); }
  std::string describe() const override { return "pinned host memory"; }
};

}  // namespace

std::unique_ptr<MemoryUpstream> make_pinned_host_upstream() { return std::make_unique<PinnedHostUpstream>(); }

}  // namespace nimbus::cuda
