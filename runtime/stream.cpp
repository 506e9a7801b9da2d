#include "runtime/stream.h"

#include <mutex>
#include <unordered_map>
#include <vector>

#include "runtime/backend.h"
#include "runtime/error.h"

namespace nimbus {

namespace {
// Per thread, the current stream of each device that has one set; absent means the default.
struct DeviceKey {
  size_t operator()(const Device& d) const { return static_cast<size_t>(d.type) * 1024 + d.index; }
};
thread_local std::unordered_map<Device, Stream, DeviceKey> current_streams;
}  // namespace

void Stream::synchronize() const { backend_for(device).synchronize_stream(*this); }

Stream default_stream(Device device) { return Stream{device, 0}; }

Stream current_stream(Device device) {
  const auto it = current_streams.find(device);
  return it == current_streams.end() ? default_stream(device) : it->second;
}

// Note [Stream pool]
// new_stream hands out each device's streams round-robin from a pool of kStreamsPerPool, created
// as they are first needed and never destroyed, as PyTorch's pool does: a stream is cheap to share
// and costly to create, and a program that asks for streams over and over (a batcher per model
// load, a stream per job) must not leak one per call. Past kStreamsPerPool callers share streams;
// their work is then ordered one after the other, which is slower, never wrong.
namespace {
constexpr size_t kStreamsPerPool = 32;
struct StreamPool {
  std::vector<uint64_t> handles;
  size_t next = 0;
};
std::mutex pools_mutex;
std::unordered_map<Device, StreamPool, DeviceKey> pools;
}  // namespace

Stream new_stream(Device device) {
  DeviceBackend& backend = backend_for(device);
  const std::lock_guard lock(pools_mutex);
  StreamPool& pool = pools[device];
  const size_t slot = pool.next++ % kStreamsPerPool;
  if (slot == pool.handles.size()) pool.handles.push_back(backend.create_stream(device.index));
  return Stream{device, pool.handles[slot]};
}

StreamGuard::StreamGuard(Stream stream) : previous_(current_stream(stream.device)) {
  current_streams[stream.device] = stream;
}
StreamGuard::~StreamGuard() { current_streams[previous_.device] = previous_; }

Event::Event(Device device) : device_(device), handle_(backend_for(device).create_event(device.index)) {}

Event::~Event() {
  if (handle_ != 0) backend_for(device_).destroy_event(device_.index, handle_);
}

Event::Event(Event&& other) noexcept : device_(other.device_), handle_(other.handle_) { other.handle_ = 0; }

Event& Event::operator=(Event&& other) noexcept {
  if (this != &other) {
    if (handle_ != 0) backend_for(device_).destroy_event(device_.index, handle_);
    device_ = other.device_;
    handle_ = other.handle_;
    other.handle_ = 0;
  }
  return *this;
}

void Event::record(const Stream& stream) {
  NIMBUS_CHECK_T(DeviceError, stream.device == device_, "Event::record: event of ", device_,
                 " recorded on a stream of ", stream.device);
  backend_for(device_).record_event(handle_, stream);
}
bool Event::query() const { return backend_for(device_).query_event(device_.index, handle_); }
void Event::synchronize() const { backend_for(device_).synchronize_event(device_.index, handle_); }
double Event::elapsed_ms(const Event& later) const {
  NIMBUS_CHECK_T(DeviceError, later.device_ == device_, "Event::elapsed_ms: events on ", device_,
                 " and ", later.device_);
  return backend_for(device_).elapsed_ms(device_.index, handle_, later.handle_);
}

}  // namespace nimbus
