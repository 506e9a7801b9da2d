#pragma once
// Batch norm forward and backward through cuDNN (Note [cuDNN batch norm] in
// kernels/cuda/cudnn_batch_norm.cpp). Each call returns true when cuDNN computed the result, false
// when the caller must run its own kernels (batch_norm.cu): cuDNN is missing, the module was built
// without it, or cuDNN declines this configuration. Errors while cuDNN executes throw. Tensors are
// contiguous [N, C, S] views in f32 or f64 on the current device; per-channel tensors are [C] in
// x's dtype. Every call counts as ran or fell back on cudnn_switch().
#include "runtime/tensor.h"

namespace nimbus::cuda {

// Training: out, the batch's mean, rstd = 1 / sqrt(var + eps) and, in `unbiased_var`, the batch's
// variance with Bessel's correction (cuDNN's running-variance convention; the caller rescales it).
bool cudnn_batch_norm_forward_training(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                                       const Tensor& unbiased_var, const Tensor& x, const Tensor& weight,
                                       const Tensor& bias, double eps);
// Evaluation: out from the running statistics.
bool cudnn_batch_norm_forward_inference(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                                        const Tensor& running_mean, const Tensor& running_var, double eps);
// Training's gradients from the forward's mean and rstd (cuDNN's saved mean and inverse variance).
bool cudnn_batch_norm_backward(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                               const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                               const Tensor& weight, double eps);

}  // namespace nimbus::cuda
