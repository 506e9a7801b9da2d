#pragma once
// What the Mars strategy's CUDA entries share (Note [Mars strategy] in
// analytics/mapreduce/mars_phases.h): the templates' scratch arrays in device memory and Thrust's
// temporary storage, both from the device's caching allocator (Buffer::allocate), so repeated
// blocks reuse memory instead of calling cudaMalloc; and the run of one block on the device's
// current stream with thrust::cuda::par.
#include <thrust/system/cuda/execution_policy.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "analytics/mapreduce/mars.h"
#include "analytics/mapreduce/mars_phases.h"
#include "kernels/cuda/cuda_kernels.h"
#include "runtime/buffer.h"

namespace nimbus::analytics::mapreduce::mars_cuda {

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

// The templates' scratch arrays, in device memory; to_host waits for the stream.
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
  Array<T> from_host(const T* src, int64_t n) {
    Array<T> copy = make<T>(n);
    if (n > 0)
      NIMBUS_CUDA_CHECK(
          cudaMemcpyAsync(copy.data(), src, static_cast<size_t>(n) * sizeof(T), cudaMemcpyHostToDevice, stream));
    return copy;
  }
  template <typename T>
  void to_host(T* dst, const T* src, int64_t n) {
    if (n <= 0) return;
    NIMBUS_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<size_t>(n) * sizeof(T), cudaMemcpyDeviceToHost, stream));
    NIMBUS_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
};

// Calls run(policy, arrays) on `device`'s current stream.
template <typename Run>
auto run_on(Device device, Run&& run) {
  const nimbus::cuda::DeviceScope scope(device.index);
  DeviceArrays arrays{device, nimbus::cuda::current_cuda_stream(device)};
  ThrustBufferAllocator allocator(device);
  return run(thrust::cuda::par(allocator).on(arrays.stream), arrays);
}

// Copies `text` to `device` and calls run(policy, arrays, device_text, size) there.
template <typename Run>
auto run_block(std::string_view text, Device device, Run&& run) {
  return run_on(device, [&](const auto& policy, auto& arrays) {
    const auto size = static_cast<int64_t>(text.size());
    auto copy = arrays.template from_host<char>(text.data(), size);
    return run(policy, arrays, copy.data(), size);
  });
}

// The entries MarsDeviceOps holds, one file each so nvcc compiles them in parallel
// (mapreduce_mars.cu, mapreduce_mars_grep.cu, mapreduce_mars_index.cu, mapreduce_mars_table.cu);
// the first registers them.
MarsWordCounts word_count(std::string_view text, WordRule rule, Device device, const MarsOptions& options);
MarsGrepCounts grep_count(std::string_view text, int64_t document, std::string_view pattern, Device device,
                          const MarsOptions& options);
MarsPostings inverted_index(std::string_view text, int64_t first_line, WordRule rule, Device device,
                            const MarsOptions& options);
MarsBucketCounts bucket_counts(const MarsHistogramInput& input, Device device, const MarsOptions& options);
MarsClusterSums cluster_sums(const MarsKMeansInput& input, Device device, const MarsOptions& options);

}  // namespace nimbus::analytics::mapreduce::mars_cuda
