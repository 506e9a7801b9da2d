// Finds the backend for each device type; loads the CUDA backend library on first use.
// See Note [Backend registry] in backend.h.
#include <dlfcn.h>

#include <array>
#include <atomic>
#include <mutex>
#include <string>

#include "runtime/backend.h"
#include "runtime/error.h"

namespace nimbus {

namespace detail {
DeviceBackend& cpu_backend();  // cpu_backend.cpp
}

namespace {

struct CudaLoadResult {
  DeviceBackend* backend = nullptr;
  std::string status;
};

#ifdef NIMBUS_WITH_CUDA
// The folder of this library, where libnimbus_cuda.so is installed beside it.
std::string runtime_library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&find_backend), &info) == 0 || info.dli_fname == nullptr) return "";
  const std::string path = info.dli_fname;
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}
#endif

CudaLoadResult load_cuda_backend() {
#ifndef NIMBUS_WITH_CUDA
  return {nullptr, "CUDA is not compiled into this build"};
#else
  const std::string name = "libnimbus_cuda.so";
  void* handle = dlopen((runtime_library_dir() + name).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return {nullptr, std::string("cannot load ") + name + ": " + (why ? why : "unknown error")};
  }
  auto entry = reinterpret_cast<nimbus_backend_entry_fn>(dlsym(handle, "nimbus_cuda_backend_entry"));
  if (entry == nullptr) return {nullptr, name + " has no nimbus_cuda_backend_entry"};
  DeviceBackend* backend = entry();
  if (backend == nullptr) return {nullptr, "the CUDA backend failed to initialise"};
  return {backend, backend->device_count() > 0 ? "" : "no CUDA device or driver found"};
#endif
}

const CudaLoadResult& cuda_backend_once() {
  static std::once_flag once;
  static CudaLoadResult result;
  std::call_once(once, [] { result = load_cuda_backend(); });
  return result;
}

}  // namespace

bool cuda_compiled_in() {
#ifdef NIMBUS_WITH_CUDA
  return true;
#else
  return false;
#endif
}

DeviceBackend* find_backend(DeviceType type) {
  switch (type) {
    case DeviceType::cpu: return &detail::cpu_backend();
    case DeviceType::cuda: return cuda_backend_once().backend;
  }
  return nullptr;
}

DeviceBackend& backend_for(Device device) {
  DeviceBackend* backend = find_backend(device.type);
  NIMBUS_CHECK_T(DeviceError, backend != nullptr, "device ", device, " is not available (",
                 cuda_backend_status(), ")");
  NIMBUS_CHECK_T(DeviceError, device.index >= 0 && device.index < backend->device_count(), "device ",
                 device, " is not available: ", backend->device_count(), " device(s) of that type");
  return *backend;
}

std::string cuda_backend_status() { return cuda_backend_once().status; }

Allocator& pinned_host_allocator() {
  DeviceBackend* cuda = find_backend(DeviceType::cuda);
  Allocator* pool = cuda != nullptr ? cuda->pinned_host_allocator() : nullptr;
  NIMBUS_CHECK_T(DeviceError, pool != nullptr, "pinned host memory needs a CUDA device, and there is none (",
                 cuda == nullptr ? cuda_backend_status() : "the CUDA backend found 0 devices",
                 "); copy from ordinary memory instead");
  return *pool;
}

namespace {
std::array<std::atomic<DeviceElementCopy>, kNumDeviceTypes> element_copies{};
}  // namespace

void register_device_element_copy(DeviceType type, DeviceElementCopy copy) {
  element_copies[static_cast<size_t>(type)].store(copy);
}

DeviceElementCopy device_element_copy(DeviceType type) {
  // Asking about a device type loads its backend, whose entry point registers the copy.
  if (type != DeviceType::cpu) find_backend(type);
  return element_copies[static_cast<size_t>(type)].load();
}

Allocator& allocator_for(Device device) { return backend_for(device).allocator(device.index); }

}  // namespace nimbus
