#pragma once
// Streams and events: the ordering primitives every allocation and kernel launch is tagged with.
//
// A Stream is a value (device + backend handle). On the CPU there is one stream per device and
// work on it is synchronous, so CPU events are complete as soon as they are recorded (they still
// carry a timestamp, so timing code is the same on both devices). Each thread has a current stream
// per device, changed for a scope with StreamGuard.
#include <cstdint>

#include "runtime/device.h"

namespace nimbus {

struct NIMBUS_API Stream {
  Device device;
  uint64_t handle = 0;  // 0 = the device's default stream; otherwise backend-defined

  bool operator==(const Stream&) const = default;
  void synchronize() const;
};

NIMBUS_API Stream default_stream(Device device);
NIMBUS_API Stream current_stream(Device device);
// The next stream of the device's pool (Note [Stream pool]): 32 streams handed out in turn, so two
// calls give different streams unless 32 others came between (on the CPU: the default stream).
NIMBUS_API Stream new_stream(Device device);

// Makes `stream` current on its device for the guard's scope (this thread only).
class NIMBUS_API StreamGuard {
 public:
  explicit StreamGuard(Stream stream);
  ~StreamGuard();
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

 private:
  Stream previous_;
};

// A marker in a stream: record it, then ask whether the work before it has finished, wait for it,
// or measure the time between two events.
class NIMBUS_API Event {
 public:
  explicit Event(Device device = Device::cpu());
  ~Event();
  Event(Event&& other) noexcept;
  Event& operator=(Event&& other) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void record(const Stream& stream);
  void record() { record(current_stream(device_)); }
  bool query() const;  // true when everything recorded before it has finished
  void synchronize() const;
  // Milliseconds from this (earlier) event to `later`. Both must have been recorded.
  double elapsed_ms(const Event& later) const;
  Device device() const { return device_; }

 private:
  Device device_;
  uint64_t handle_ = 0;
};

}  // namespace nimbus
