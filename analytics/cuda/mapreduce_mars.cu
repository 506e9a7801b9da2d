// The Mars strategy on a CUDA device (Note [Mars strategy] in analytics/mapreduce/mars_phases.h):
// the template the host runs in CI, instantiated with thrust::cuda::par on the device's current
// stream. Scratch arrays and Thrust's own temporary storage come from the device's caching
// allocator (Buffer::allocate), so repeated blocks reuse memory instead of calling cudaMalloc.
#include <thrust/system/cuda/execution_policy.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "analytics/cuda/register_analytics_cuda.h"
#include "analytics/mapreduce/mars.h"
#include "analytics/mapreduce/mars_phases.h"
#include "kernels/cuda/cuda_kernels.h"
#include "runtime/buffer.h"

namespace nimbus::analytics::mapreduce {

namespace {

using nimbus::cuda::current_cuda_stream;

// Thrust's allocator interface over Buffer: the Buffer is kept until Thrust hands the pointer back.
class ThrustBufferAllocator {
 public:
  using value_type = char;
  explicit ThrustBufferAllocator(Device device) : device_(device) {}
  char* allocate(std::ptrdiff_t bytes) {
    Buffer buffer = Buffer::allocate(static_cast<size_t>(std::max<std::ptrdiff_t>(bytes, 1)), device_);
    char* data = static_cast<char*>(buffer.data());
    live_.emplace(data, std::move(buffer));
    return data;
  }
  void deallocate(char* data, size_t) { live_.erase(data); }

 private:
  Device device_;
  std::unordered_map<char*, Buffer> live_;
};

// The template's scratch arrays, in device memory; to_host waits for the stream.
struct DeviceArrays {
  Device device;
  cudaStream_t stream;

  template <typename T>
  struct Array {
    Buffer buffer;
    T* data() const { return static_cast<T*>(buffer.data()); }
  };
  template <typename T>
  Array<T> make(int64_t n) {
    return {Buffer::allocate(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(T), device)};
  }
  template <typename T>
  void to_host(T* dst, const T* src, int64_t n) {
    if (n <= 0) return;
    NIMBUS_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<size_t>(n) * sizeof(T), cudaMemcpyDeviceToHost, stream));
    NIMBUS_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
};

MarsWordCounts device_word_count(std::string_view text, WordRule rule, Device device, const MarsOptions& options) {
  const nimbus::cuda::DeviceScope scope(device.index);
  DeviceArrays arrays{device, current_cuda_stream(device)};
  const int64_t n = static_cast<int64_t>(text.size());
  auto copy = arrays.make<char>(n);
  if (n > 0)
    NIMBUS_CUDA_CHECK(cudaMemcpyAsync(copy.data(), text.data(), text.size(), cudaMemcpyHostToDevice, arrays.stream));
  ThrustBufferAllocator allocator(device);
  return mars::word_count(thrust::cuda::par(allocator).on(arrays.stream), arrays, copy.data(), n, rule, options);
}

}  // namespace

// Called from the module's register_analytics_ops() when it loads; nothing here calls CUDA.
void register_mars_cuda() {
  MarsDeviceOps ops;
  ops.word_count = device_word_count;
  register_mars_device_ops(DeviceType::cuda, ops);
}

}  // namespace nimbus::analytics::mapreduce
