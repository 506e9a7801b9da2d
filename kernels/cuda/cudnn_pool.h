#pragma once
// avg_pool2d forward and backward through cuDNN (Note [cuDNN pooling] in kernels/cuda/cudnn_pool.cpp).
// Each call returns true when cuDNN computed the result, false when the caller must run its own
// kernels (pool.cuh): cuDNN is missing, the module was built without it, or this configuration is
// not one cuDNN computes as the CPU does. Errors while cuDNN executes throw. Tensors are NCHW
// contiguous on the current device.
#include "kernels/conv_ops.h"

namespace nimbus::cuda {

// out = avg_pool2d(x) with the window geometry of p
bool cudnn_avg_pool2d_forward(const Tensor& out, const Tensor& x, const Pool2dParams& p);
// grad_input = the gradient of avg_pool2d with respect to its input, given grad_out
bool cudnn_avg_pool2d_backward(const Tensor& grad_input, const Tensor& grad_out, const Pool2dParams& p);

}  // namespace nimbus::cuda
