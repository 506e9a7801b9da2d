#pragma once
// Differentiable convolution and pooling over the kernels of kernels/conv_ops.h (NCHW).
#include "frontend/autograd/variable.h"
#include "kernels/conv_ops.h"

namespace nimbus::autograd {

// bias may be undefined.
NIMBUS_API Variable conv2d(const Variable& x, const Variable& weight, const Variable& bias,
                           const Conv2dParams& params = {});
NIMBUS_API Variable max_pool2d(const Variable& x, Pair kernel, std::optional<Pair> stride = std::nullopt,
                               Pair padding = {0, 0});
NIMBUS_API Variable avg_pool2d(const Variable& x, Pair kernel, std::optional<Pair> stride = std::nullopt,
                               Pair padding = {0, 0});

}  // namespace nimbus::autograd
