// The CPU backend: one device, synchronous streams, timestamp events, the CPU caching allocator.
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "runtime/backend.h"
#include "runtime/cpu_allocator.h"
#include "runtime/error.h"

namespace nimbus::detail {

namespace {

class CpuBackend final : public DeviceBackend {
 public:
  DeviceType type() const override { return DeviceType::cpu; }
  int device_count() const override { return 1; }
  std::string device_name(int) const override { return "cpu"; }
  Allocator& allocator(int) override { return cpu_allocator(); }

  uint64_t create_stream(int) override { return 0; }  // work on the CPU is synchronous
  void synchronize_stream(const Stream&) override {}

  uint64_t create_event(int) override {
    std::lock_guard lock(mutex_);
    const uint64_t handle = next_event_++;
    events_[handle] = Clock::time_point{};
    return handle;
  }
  void destroy_event(int, uint64_t event) noexcept override {
    std::lock_guard lock(mutex_);
    events_.erase(event);
  }
  void record_event(uint64_t event, const Stream&) override {
    std::lock_guard lock(mutex_);
    events_.at(event) = Clock::now();
  }
  bool query_event(int, uint64_t) override { return true; }
  void synchronize_event(int, uint64_t) override {}
  double elapsed_ms(int, uint64_t start, uint64_t end) override {
    std::lock_guard lock(mutex_);
    const auto t0 = events_.at(start), t1 = events_.at(end);
    NIMBUS_CHECK(t0 != Clock::time_point{} && t1 != Clock::time_point{},
                 "Event::elapsed_ms: both events must be recorded first");
    return std::chrono::duration<double, std::milli>(t1 - t0).count();
  }

  void copy_bytes(void* dst, bool, const void* src, bool, size_t bytes, const Stream&) override {
    if (bytes != 0) std::memcpy(dst, src, bytes);
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::mutex mutex_;
  uint64_t next_event_ = 1;
  std::unordered_map<uint64_t, Clock::time_point> events_;
};

}  // namespace

DeviceBackend& cpu_backend() {
  static CpuBackend backend;
  return backend;
}

}  // namespace nimbus::detail
