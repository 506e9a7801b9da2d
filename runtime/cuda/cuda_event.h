#pragma once
// Asking a CUDA event whether the work before it has finished, without waiting.
#include <cuda_runtime_api.h>

#include "runtime/cuda/cuda_check.h"

namespace nimbus::cuda {

// True when everything recorded before `event` has finished. Unfinished work reports
// cudaErrorNotReady, an answer rather than a failure: it is cleared so that the next CUDA call
// starts clean. Any other error throws.
inline bool event_finished(cudaEvent_t event) {
  const cudaError_t status = cudaEventQuery(event);
  if (status == cudaErrorNotReady) {
    cudaGetLastError();
    return false;
  }
  NIMBUS_CUDA_CHECK(status);
  return true;
}

}  // namespace nimbus::cuda
