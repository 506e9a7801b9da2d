#pragma once
// A simulated memory device for allocator tests: a memory limit, counted upstream calls, and
// streams whose events complete only when the test says their work is done.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/caching_allocator.h"

namespace nimbus::testing {

// The simulated device. It outlives the allocator (which owns only a thin forwarder), so tests
// can check after destruction that every event was released.
class SimDevice {
 public:
  explicit SimDevice(size_t limit) : limit_(limit) {}
  ~SimDevice() {
    for (auto& [ptr, bytes] : segments_) std::free(ptr);  // segments the allocator had to leak
  }

  void* allocate(size_t bytes) {
    std::lock_guard lock(mutex_);
    if (bytes > limit_ - in_use_) return nullptr;
    void* ptr = std::aligned_alloc(64, bytes);
    if (ptr == nullptr) return nullptr;
    segments_[ptr] = bytes;
    in_use_ += bytes;
    ++allocations_;
    return ptr;
  }
  void deallocate(void* ptr, size_t bytes) {
    std::lock_guard lock(mutex_);
    const auto it = segments_.find(ptr);
    if (it == segments_.end() || it->second != bytes) {
      ++misuse_;
      return;
    }
    segments_.erase(it);
    in_use_ -= bytes;
    ++deallocations_;
    std::free(ptr);
  }

  uint64_t record_event(uint64_t stream_handle) {
    std::lock_guard lock(mutex_);
    events_[next_event_] = {stream_handle, false};
    return next_event_++;
  }
  bool event_completed(uint64_t event) {
    std::lock_guard lock(mutex_);
    const auto it = events_.find(event);
    if (it == events_.end()) {
      ++misuse_;  // queried after release
      return true;
    }
    return it->second.done;
  }
  void release_event(uint64_t event) {
    std::lock_guard lock(mutex_);
    if (events_.erase(event) == 0) ++misuse_;  // released twice or never recorded
  }
  // The stream (or, by default, every stream) has finished everything queued so far.
  void finish(std::optional<uint64_t> stream_handle = std::nullopt) {
    std::lock_guard lock(mutex_);
    for (auto& [id, event] : events_)
      if (!stream_handle || event.stream == *stream_handle) event.done = true;
  }

  int allocations() const { return locked(allocations_); }
  int deallocations() const { return locked(deallocations_); }
  size_t in_use() const { return locked(in_use_); }
  size_t live_events() const {
    std::lock_guard lock(mutex_);
    return events_.size();
  }
  int misuse() const { return locked(misuse_); }

 private:
  template <typename T>
  T locked(const T& value) const {
    std::lock_guard lock(mutex_);
    return value;
  }
  struct SimEvent {
    uint64_t stream = 0;
    bool done = false;
  };
  mutable std::mutex mutex_;
  size_t limit_;
  size_t in_use_ = 0;
  int allocations_ = 0, deallocations_ = 0, misuse_ = 0;
  std::map<void*, size_t> segments_;
  std::map<uint64_t, SimEvent> events_;
  uint64_t next_event_ = 1;
};

class SimUpstream final : public MemoryUpstream {
 public:
  explicit SimUpstream(SimDevice& device) : device_(device) {}
  void* allocate(size_t bytes) override { return device_.allocate(bytes); }
  void deallocate(void* ptr, size_t bytes) noexcept override { device_.deallocate(ptr, bytes); }
  uint64_t record_event(const Stream& s) override { return device_.record_event(s.handle); }
  bool event_completed(uint64_t event) override { return device_.event_completed(event); }
  void release_event(uint64_t event) noexcept override { device_.release_event(event); }
  Device device() const override { return Device::cpu(); }
  std::string describe() const override { return "sim"; }

 private:
  SimDevice& device_;
};

}  // namespace nimbus::testing
