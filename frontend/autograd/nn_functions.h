#pragma once
// Differentiable neural-network ops: the kernels of kernels/nn_ops.h with their backward kernels
// recorded on the tape. Targets, indices and masks are plain tensors (no gradient flows to them).
#include <cstdint>

#include "frontend/autograd/variable.h"
#include "kernels/nn_ops.h"

namespace nimbus::autograd {

NIMBUS_API Variable softmax(const Variable& x, int64_t dim);
NIMBUS_API Variable log_softmax(const Variable& x, int64_t dim);
// Normalises over the trailing `normalized_shape`; weight and bias (of that shape) may be undefined.
// Fused attention as one tape node (kernels/nn_ops.h); nn::scaled_dot_product_attention picks
// it where the device has the kernels.
NIMBUS_API Variable fused_attention(const Variable& q, const Variable& k, const Variable& v, bool causal);
NIMBUS_API Variable layer_norm(const Variable& x, const Shape& normalized_shape, const Variable& weight,
                               const Variable& bias, double eps = 1e-5);
// Batch norm as one tape node (kernels/nn_ops.h): x [N, C] or [N, C, H, W] in f32 or f64, weight
// and bias [C] of x's dtype. Training normalizes with the batch's statistics and returns its mean
// and biased variance in `mean` and `var` (plain tensors, for the running statistics); evaluation
// uses running_mean and running_var, which get no gradient.
struct BatchNormOutput {
  Variable output;
  Tensor mean, var;
};
NIMBUS_API BatchNormOutput batch_norm(const Variable& x, const Variable& weight, const Variable& bias,
                                      const Tensor& running_mean, const Tensor& running_var, bool training,
                                      double eps = 1e-5);
// logits [N, C] (or [N, C, d...]) against class indices (i64).
NIMBUS_API Variable cross_entropy(const Variable& logits, const Tensor& target, Reduction reduction = Reduction::mean,
                                  int64_t ignore_index = -100, double label_smoothing = 0.0);
NIMBUS_API Variable mse_loss(const Variable& a, const Variable& b, Reduction reduction = Reduction::mean);
NIMBUS_API Variable binary_cross_entropy_with_logits(const Variable& x, const Tensor& y,
                                                     Reduction reduction = Reduction::mean);
// Rows of `weight` [num, dim] picked by integer `indices`: result shape indices.shape + [dim].
// Rows equal to padding_idx get no gradient.
NIMBUS_API Variable embedding(const Variable& weight, const Tensor& indices, int64_t padding_idx = -1);
// Zeroes elements with probability p (mask from `gen`) and scales the rest by 1/(1-p) when
// training; the identity otherwise.
NIMBUS_API Variable dropout(const Variable& x, double p, Generator& gen, bool train);

}  // namespace nimbus::autograd
