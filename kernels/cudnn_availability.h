#pragma once
// Why cuDNN cannot be used in this process, as the CUDA module found out (Note [cuDNN convolution]
// in kernels/cuda/cudnn_conv.cu): kept in nimbus_kernels beside the switch (kernel_switch.h), so
// that tests and tools can say why convolutions and average pooling ran on our own kernels.
#include <string>

#include "runtime/macros.h"

namespace nimbus {

// "" while cuDNN can be used, or before anything tried it; the module sets it once, when loading
// the library fails or the build had no cuDNN header.
NIMBUS_API std::string cudnn_unavailable_reason();
NIMBUS_API void set_cudnn_unavailable_reason(const std::string& reason);

}  // namespace nimbus
