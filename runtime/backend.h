#pragma once
// Note [Backend registry]
// Each device type is served by a DeviceBackend: device discovery, streams, events, an allocator
// and raw copies. The CPU backend is part of the runtime. The CUDA backend lives in its own shared
// library (libnimbus_cuda.so) that the registry loads with dlopen the first time anything asks
// about a CUDA device, so CPU-only programs never load the CUDA libraries. The library exports one
// C function, `nimbus_cuda_backend_entry`, that returns its backend; the registry never calls CUDA
// itself. When the library is missing (a CPU-only build) or cannot be loaded, CUDA simply has zero
// devices. Kernel libraries register their per-device kernels separately (kernels/dispatch.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/allocator.h"
#include "runtime/device.h"
#include "runtime/stream.h"

namespace nimbus {

class NIMBUS_API DeviceBackend {
 public:
  virtual ~DeviceBackend() = default;
  virtual DeviceType type() const = 0;
  virtual int device_count() const = 0;
  virtual std::string device_name(int index) const = 0;
  virtual Allocator& allocator(int index) = 0;

  virtual uint64_t create_stream(int index) = 0;
  virtual void synchronize_stream(const Stream& stream) = 0;

  virtual uint64_t create_event(int index) = 0;
  virtual void destroy_event(int index, uint64_t event) noexcept = 0;
  virtual void record_event(uint64_t event, const Stream& stream) = 0;
  virtual bool query_event(int index, uint64_t event) = 0;
  virtual void synchronize_event(int index, uint64_t event) = 0;
  virtual double elapsed_ms(int index, uint64_t start, uint64_t end) = 0;

  // Copies bytes between this backend's device `index` and the host, or within the device, in the
  // order of `stream`. `to_device`/`from_device` say which side is device memory.
  virtual void copy_bytes(void* dst, bool to_device, const void* src, bool from_device, size_t bytes,
                          const Stream& stream) = 0;

  // Page-locked host memory for asynchronous copies with this backend's devices (Note [Pinned
  // host memory] in pinned_host_pool.h), or nullptr when the backend has none (the CPU).
  virtual Allocator* pinned_host_allocator() { return nullptr; }
};

class Tensor;

// Element copies within one device: strided, from a broadcast (expanded) source, converting dtypes.
// The runtime does these itself on the CPU; for a device whose kernels live in a library of their
// own, that library registers one when it loads (the CUDA kernels do, from the backend's entry
// point). Tensor::copy_ uses it for same-device copies and to prepare cross-device ones.
using DeviceElementCopy = void (*)(const Tensor& dst, const Tensor& src);
NIMBUS_API void register_device_element_copy(DeviceType type, DeviceElementCopy copy);
// The registered copy, or nullptr.
NIMBUS_API DeviceElementCopy device_element_copy(DeviceType type);

// The backend for a device type, or nullptr when it is not available (e.g. CUDA not loadable).
NIMBUS_API DeviceBackend* find_backend(DeviceType type);
// Like find_backend, but throws DeviceError naming the device when it is absent or out of range.
NIMBUS_API DeviceBackend& backend_for(Device device);
// The pinned host memory pool of the CUDA backend. Throws DeviceError saying why when there is
// none (no CUDA backend or no CUDA device): pinning only pays for copies to a GPU.
NIMBUS_API Allocator& pinned_host_allocator();
// Why the CUDA backend is unavailable ("" when it loaded): shown by `nimbus info`.
NIMBUS_API std::string cuda_backend_status();

}  // namespace nimbus

// Entry point a backend library exports (C linkage so dlsym finds it by this name).
extern "C" {
typedef nimbus::DeviceBackend* (*nimbus_backend_entry_fn)();
}
