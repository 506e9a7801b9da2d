#pragma once
// conv2d through cuDNN (Note [cuDNN convolution] in kernels/cuda/cudnn_conv.cu). Each call returns
// true when cuDNN computed the result, false when the caller must run its im2col kernels: cuDNN
// is missing, the module was built without it, or cuDNN rejects this configuration. Errors while
// cuDNN executes throw. Tensors are NCHW contiguous on the current device; no bias is involved.
#include "runtime/tensor.h"

namespace nimbus::cuda {

struct ConvShape;

// out = conv(x, weight)
bool cudnn_conv2d_forward(const Tensor& out, const Tensor& x, const Tensor& weight, const ConvShape& g);
// grad_input = the gradient of conv(x, weight) with respect to x, given grad_out
bool cudnn_conv2d_backward_data(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                                const ConvShape& g);
// grad_weight = the gradient of conv(x, weight) with respect to weight, given grad_out
bool cudnn_conv2d_backward_filter(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                                  const ConvShape& g);

}  // namespace nimbus::cuda
