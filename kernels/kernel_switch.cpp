#include "kernels/kernel_switch.h"

#include <cstdlib>

namespace nimbus {

KernelSwitch::KernelSwitch(const char* environment_variable)
    : variable_(environment_variable), enabled_(value_is_on(std::getenv(environment_variable))) {}

bool KernelSwitch::value_is_on(const char* value) { return value != nullptr && value[0] == '1'; }

// Never destroyed: a kernel may consult its switch during static destruction.
KernelSwitch& multi_tensor_optimizer_switch() {
  static KernelSwitch* const on = new KernelSwitch("NIMBUS_CUDA_MULTI_TENSOR_OPTIMIZER");
  return *on;
}

KernelSwitch& cudnn_switch() {
  static KernelSwitch* const on = new KernelSwitch("NIMBUS_CUDA_CUDNN");
  return *on;
}

KernelSwitch& cublaslt_gemm_switch() {
  static KernelSwitch* const on = new KernelSwitch("NIMBUS_CUDA_LT_EPILOGUE");
  return *on;
}

}  // namespace nimbus
