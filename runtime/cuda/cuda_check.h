#pragma once
// Every CUDA runtime call is checked; a failure throws with the call, the error name and text.
#include <cuda_runtime_api.h>

#include "runtime/error.h"

#define NIMBUS_CUDA_CHECK(call)                                                                   \
  do {                                                                                            \
    const cudaError_t nimbus_status_ = (call);                                                    \
    if (nimbus_status_ != cudaSuccess) {                                                          \
      NIMBUS_THROW(Error, #call, " failed: ", cudaGetErrorName(nimbus_status_), " (",              \
                   cudaGetErrorString(nimbus_status_), ")");                                      \
    }                                                                                             \
  } while (0)
