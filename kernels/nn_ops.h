#pragma once
// Neural-network ops, forward and backward, with PyTorch semantics. Floating dtypes only; f16 and
// bf16 compute in f32. Inputs may have any strides. Results are deterministic: every reduction
// runs in a fixed order, whatever the thread count. The backward functions are plain functions of
// tensors (the autograd layer wires them up); each returns the gradient of the op's inputs.
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/random.h"
#include "runtime/tensor.h"

namespace nimbus {

// ---- softmax ----
// Max-subtracted, so large logits give no inf or nan.
NIMBUS_API Tensor softmax(const Tensor& x, int64_t dim);
NIMBUS_API Tensor log_softmax(const Tensor& x, int64_t dim);
// `out` is the forward's result.
NIMBUS_API Tensor softmax_backward(const Tensor& grad_out, const Tensor& out, int64_t dim);
NIMBUS_API Tensor log_softmax_backward(const Tensor& grad_out, const Tensor& out, int64_t dim);

// ---- attention ----
// softmax(scale q k^T [+ causal mask]) v, one fused op (Note [Fused attention] in
// kernels/cpu/nn_attention_cpu.cpp). q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv] with the same
// leading dims; causal masks key j > query i (PyTorch's is_causal); scale defaults to 1/sqrt(d).
// `probs` [..., Tq, Tk] is saved for the backward. The output and the gradients are laid out like
// q (k, v): for heads split out of [B, T, H, d] by a transpose, merging them back costs no copy.
struct AttentionResult {
  Tensor output, probs;
};
NIMBUS_API AttentionResult scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                                        bool causal, std::optional<double> scale = std::nullopt);
struct AttentionGrads {
  Tensor grad_q, grad_k, grad_v;
};
NIMBUS_API AttentionGrads scaled_dot_product_attention_backward(const Tensor& grad_out, const Tensor& q,
                                                                const Tensor& k, const Tensor& v,
                                                                const Tensor& probs, bool causal,
                                                                std::optional<double> scale = std::nullopt);
// Whether `device` has the fused kernels (the autograd layer composes the op from matmul and
// softmax where it does not).
NIMBUS_API bool has_fused_attention(Device device);

// ---- layer norm ----
// Normalizes over the last normalized_shape.size() dims of x. mean and rstd have x's leading
// (un-normalized) dims, in f32 for f16/bf16 inputs and x's dtype otherwise (saved for backward).
struct LayerNormResult {
  Tensor output, mean, rstd;
};
NIMBUS_API LayerNormResult layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                                      const Tensor& bias = Tensor(), double eps = 1e-5);
// grad_weight / grad_bias are undefined when weight / bias were not given (has_bias says which).
struct LayerNormGrads {
  Tensor grad_input, grad_weight, grad_bias;
};
NIMBUS_API LayerNormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, const Shape& normalized_shape,
                                              const Tensor& mean, const Tensor& rstd, const Tensor& weight = Tensor(),
                                              bool has_bias = false);

// ---- batch norm ----
// Normalizes x [N, C] or [N, C, H, W] (contiguous or not; f32 or f64: callers convert 16-bit
// inputs) per channel C. Training: with the batch's mean and biased variance, returned as `mean`
// and `var` for the caller's running statistics (running_mean / running_var are ignored and may be
// undefined). Evaluation: with running_mean and running_var ([C]). weight and bias are [C].
// mean and rstd = 1 / sqrt(var + eps) ([C], x's dtype) are saved for the backward; var is
// undefined in evaluation. One fused op (Note [Fused batch norm] in kernels/nn_batch_norm.cpp).
struct BatchNormResult {
  Tensor output, mean, rstd, var;
};
NIMBUS_API BatchNormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                      const Tensor& running_mean, const Tensor& running_var, bool training,
                                      double eps = 1e-5);
struct BatchNormGrads {
  Tensor grad_input, grad_weight, grad_bias;
};
// The gradients of x, weight and bias; `training` and eps must be the forward's.
NIMBUS_API BatchNormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& mean,
                                              const Tensor& rstd, const Tensor& weight, bool training,
                                              double eps = 1e-5);

// ---- losses ----
enum class Reduction { none, mean, sum };

// logits [N, C] or [N, C, d1, ...], target integer [N] or [N, d1, ...] with class indices.
// mean divides by the number of targets that are not ignore_index (nan when all are ignored).
// Label smoothing mixes in the uniform distribution as PyTorch does:
// loss = (1 - s) * nll + s / C * (-sum_c log_softmax_c).
NIMBUS_API Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::mean,
                                int64_t ignore_index = -100, double label_smoothing = 0.0);
// Gradient w.r.t. logits; grad_out is 0-d for mean/sum, target-shaped for none.
NIMBUS_API Tensor cross_entropy_backward(const Tensor& grad_out, const Tensor& logits, const Tensor& target,
                                         Reduction reduction = Reduction::mean, int64_t ignore_index = -100,
                                         double label_smoothing = 0.0);

// (a - b)^2; a and b have one shape.
NIMBUS_API Tensor mse_loss(const Tensor& a, const Tensor& b, Reduction reduction = Reduction::mean);
struct LossGrads {
  Tensor grad_a, grad_b;
};
NIMBUS_API LossGrads mse_loss_backward(const Tensor& grad_out, const Tensor& a, const Tensor& b,
                                       Reduction reduction = Reduction::mean);

// -[p y log s(x) + (1 - y) log(1 - s(x))] with p = pos_weight (broadcast to x, usually [C]),
// computed without overflow for any x. y has x's shape.
NIMBUS_API Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& y,
                                                   Reduction reduction = Reduction::mean,
                                                   const Tensor& pos_weight = Tensor());
// Gradient w.r.t. x.
NIMBUS_API Tensor binary_cross_entropy_with_logits_backward(const Tensor& grad_out, const Tensor& x, const Tensor& y,
                                                            Reduction reduction = Reduction::mean,
                                                            const Tensor& pos_weight = Tensor());

// ---- embedding ----
// Gradient of the weight [num_weights, dim] of an embedding lookup weight[indices] whose output
// grad is grad_out [*indices.shape, dim]. Rows at padding_idx (if >= 0) get no gradient.
NIMBUS_API Tensor embedding_backward(const Tensor& grad_out, const Tensor& indices, int64_t num_weights,
                                     int64_t padding_idx = -1);

// ---- dropout ----
// Zeroes each element with probability p and scales the rest by 1 / (1 - p) (p = 1 zeroes all).
// The mask (bool) comes from the generator's Philox stream: the same seed gives the same mask on
// any thread count. Outside training the output is x and the mask all true.
struct DropoutResult {
  Tensor output, mask;
};
NIMBUS_API DropoutResult dropout(const Tensor& x, double p, Generator& gen = default_generator(), bool train = true);
NIMBUS_API Tensor dropout_backward(const Tensor& grad_out, const Tensor& mask, double p);

}  // namespace nimbus
