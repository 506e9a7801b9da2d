#pragma once
// The switch of cuDNN convolution on CUDA (Note [cuDNN convolution] in kernels/cuda/cudnn_conv.cu):
// off unless NIMBUS_CUDA_CUDNN=1 is in the environment at first use, or a test turns it on. It
// lives here, in nimbus_kernels, rather than in the CUDA module, so that tests (which link this
// library and reach the module only through the backend registry) can read and flip it, and so
// that the module can report whether its cuDNN calls ran.
#include <cstdint>
#include <string>

#include "runtime/macros.h"

namespace nimbus {

// The reading of the switch's environment value: on only for a value starting with '1', as for
// the other switches of unverified kernels (unset, "", "0", "true" are off).
NIMBUS_API bool cudnn_switch_value_is_on(const char* value);

NIMBUS_API bool cudnn_convolution_enabled();
NIMBUS_API void set_cudnn_convolution(bool enabled);

// What the CUDA module did with the convolutions it was asked to run while the switch was on:
// calls that cuDNN ran, and calls that went to the im2col kernels because cuDNN is missing or
// rejected the configuration. Lets a parity test tell "cuDNN matched the CPU" from "the fallback
// matched the CPU".
struct CudnnConvolutionCounts {
  int64_t cudnn_calls = 0, fallbacks = 0;
};
NIMBUS_API CudnnConvolutionCounts cudnn_convolution_counts();
NIMBUS_API void count_cudnn_convolution(bool ran_on_cudnn);

// Why cuDNN cannot be used in this process ("" while it can, or before anything tried it): the
// module sets it once, when loading the library fails or the build had no cuDNN header.
NIMBUS_API std::string cudnn_unavailable_reason();
NIMBUS_API void set_cudnn_unavailable_reason(const std::string& reason);

}  // namespace nimbus
