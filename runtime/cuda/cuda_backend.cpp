// The CUDA device backend: discovery, streams, events, copies, the device allocators and the
// pinned host memory pool.
// Nothing here runs during static initialisation; the registry calls the entry point on first use.
#include <cuda_runtime_api.h>

#include <memory>
#include <vector>

#include "kernels/cuda/cuda_kernels.h"
#include "runtime/backend.h"
#include "runtime/caching_allocator.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/cuda_event.h"
#include "runtime/cuda/cuda_upstream.h"
#include "runtime/cuda/device_scope.h"
#include "runtime/pinned_host_pool.h"

namespace nimbus::cuda {

namespace {

cudaStream_t to_cuda(const Stream& s) { return reinterpret_cast<cudaStream_t>(s.handle); }
cudaEvent_t to_cuda_event(uint64_t e) { return reinterpret_cast<cudaEvent_t>(e); }

class CudaBackend final : public DeviceBackend {
 public:
  CudaBackend() {
    // No driver and no device both mean zero devices; the error is cleared, not raised.
    if (cudaGetDeviceCount(&count_) != cudaSuccess) {
      count_ = 0;
      cudaGetLastError();
    }
    for (int i = 0; i < count_; ++i)
      allocators_.push_back(std::make_unique<CachingAllocator>(make_device_upstream(i)));
  }

  DeviceType type() const override { return DeviceType::cuda; }
  int device_count() const override { return count_; }
  std::string device_name(int index) const override {
    cudaDeviceProp prop{};
    NIMBUS_CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
    return prop.name;
  }
  Allocator& allocator(int index) override { return *allocators_.at(index); }
  // Made on first use: cudaHostAlloc initialises the CUDA context, which a process that only
  // lists devices should not pay for. Never destroyed: its destructor's cudaFreeHost calls could
  // run after the CUDA runtime has shut down at exit.
  Allocator* pinned_host_allocator() override {
    if (count_ == 0) return nullptr;
    static PinnedHostPool* const pool = new PinnedHostPool(make_pinned_host_upstream());
    return pool;
  }

  uint64_t create_stream(int index) override {
    DeviceScope scope(index);
    cudaStream_t stream = nullptr;
    NIMBUS_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    return reinterpret_cast<uint64_t>(stream);
  }
  void synchronize_stream(const Stream& stream) override {
    DeviceScope scope(stream.device.index);
    NIMBUS_CUDA_CHECK(cudaStreamSynchronize(to_cuda(stream)));
  }

  uint64_t create_event(int index) override {
    DeviceScope scope(index);
    cudaEvent_t event = nullptr;
    NIMBUS_CUDA_CHECK(cudaEventCreate(&event));
    return reinterpret_cast<uint64_t>(event);
  }
  void destroy_event(int, uint64_t event) noexcept override { cudaEventDestroy(to_cuda_event(event)); }
  void record_event(uint64_t event, const Stream& stream) override {
    DeviceScope scope(stream.device.index);
    NIMBUS_CUDA_CHECK(cudaEventRecord(to_cuda_event(event), to_cuda(stream)));
  }
  bool query_event(int, uint64_t event) override { return event_finished(to_cuda_event(event)); }
  void synchronize_event(int, uint64_t event) override { NIMBUS_CUDA_CHECK(cudaEventSynchronize(to_cuda_event(event))); }
  double elapsed_ms(int, uint64_t start, uint64_t end) override {
    float ms = 0;
    NIMBUS_CUDA_CHECK(cudaEventElapsedTime(&ms, to_cuda_event(start), to_cuda_event(end)));
    return ms;
  }

  void copy_bytes(void* dst, bool, const void* src, bool, size_t bytes, const Stream& stream) override {
    if (bytes == 0) return;
    DeviceScope scope(stream.device.index);
    NIMBUS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, to_cuda(stream)));
  }

 private:
  int count_ = 0;
  std::vector<std::unique_ptr<CachingAllocator>> allocators_;
};

}  // namespace

}  // namespace nimbus::cuda

extern "C" NIMBUS_API nimbus::DeviceBackend* nimbus_cuda_backend_entry() {
  try {
    static nimbus::cuda::CudaBackend backend;
    // The CUDA kernels are registered here, when the registry loads this library: not from a
    // static initialiser (Note [One dispatch point per op]), and before any op can ask for them,
    // since kernels_for() loads the backend first. Registration only fills a table: no CUDA call.
    static const bool kernels_registered = (nimbus::cuda::register_kernels(), true);
    (void)kernels_registered;
    return &backend;
  } catch (...) {
    return nullptr;
  }
}
