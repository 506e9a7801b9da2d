#include "kernels/cudnn_availability.h"

#include <mutex>

namespace nimbus {

namespace {

std::mutex& reason_mutex() {
  static std::mutex m;
  return m;
}

std::string& reason() {
  static std::string r;
  return r;
}

}  // namespace

std::string cudnn_unavailable_reason() {
  const std::lock_guard<std::mutex> lock(reason_mutex());
  return reason();
}

void set_cudnn_unavailable_reason(const std::string& r) {
  const std::lock_guard<std::mutex> lock(reason_mutex());
  reason() = r;
}

}  // namespace nimbus
