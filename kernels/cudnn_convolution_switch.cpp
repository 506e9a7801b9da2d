// The cuDNN convolution switch and the module's report of what it ran (kernels/cudnn_convolution_switch.h).
#include "kernels/cudnn_convolution_switch.h"

#include <atomic>
#include <cstdlib>
#include <mutex>

namespace nimbus {

namespace {

std::atomic<bool>& cudnn_switch() {
  static std::atomic<bool> enabled{cudnn_switch_value_is_on(std::getenv("NIMBUS_CUDA_CUDNN"))};
  return enabled;
}

std::atomic<int64_t> cudnn_calls{0}, fallbacks{0};

std::mutex& reason_mutex() {
  static std::mutex m;
  return m;
}

std::string& reason() {
  static std::string r;
  return r;
}

}  // namespace

bool cudnn_switch_value_is_on(const char* value) { return value != nullptr && value[0] == '1'; }

bool cudnn_convolution_enabled() { return cudnn_switch().load(std::memory_order_relaxed); }

void set_cudnn_convolution(bool enabled) { cudnn_switch().store(enabled, std::memory_order_relaxed); }

CudnnConvolutionCounts cudnn_convolution_counts() {
  return {cudnn_calls.load(std::memory_order_relaxed), fallbacks.load(std::memory_order_relaxed)};
}

void count_cudnn_convolution(bool ran_on_cudnn) {
  (ran_on_cudnn ? cudnn_calls : fallbacks).fetch_add(1, std::memory_order_relaxed);
}

std::string cudnn_unavailable_reason() {
  const std::lock_guard<std::mutex> lock(reason_mutex());
  return reason();
}

void set_cudnn_unavailable_reason(const std::string& r) {
  const std::lock_guard<std::mutex> lock(reason_mutex());
  reason() = r;
}

}  // namespace nimbus
