#pragma once
// Makes a CUDA device current for a scope and restores the previous one.
#include <cuda_runtime_api.h>

#include "runtime/cuda/cuda_check.h"

namespace nimbus::cuda {

class DeviceScope {
 public:
  explicit DeviceScope(int index) {
    NIMBUS_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != index) NIMBUS_CUDA_CHECK(cudaSetDevice(index));
  }
  ~DeviceScope() { cudaSetDevice(previous_); }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace nimbus::cuda
