#pragma once
// Note [One dispatch point per op]
// The public ops (kernels/ops.h) validate their inputs once, allocate the result, then call the
// kernel of the operands' device type through this table. A backend fills a KernelTable with its
// implementations and registers it from an explicit registration function (the CPU one runs on
// first use of any op; the CUDA library registers its table when the runtime loads it), never from
// a static initialiser that a linker may drop. A missing entry is a clear DeviceError.
//
// Kernels receive tensors that are already validated: shapes broadcast to the output's, operands
// cast to the compute dtype where the op says so, and the output allocated. They may assume the
// output does not overlap the inputs unless the entry says otherwise.
#include <cstdint>
#include <vector>

#include "kernels/conv_ops.h"
#include "kernels/functors/optimizer.h"
#include "runtime/tensor.h"

namespace nimbus {

enum class UnaryOp : uint8_t {
  neg, abs, exp, log, sqrt, rsqrt, sin, cos, tanh, sigmoid, relu, gelu_erf, gelu_tanh, silu, erf,
  logical_not, clamp
};
// Comparisons and logical ops (eq onwards) give bool; the *_backward ops compute grad * f'(saved)
// for an activation f (kernels/functors/activation.h).
enum class BinaryOp : uint8_t {
  add, sub, mul, div, pow, maximum, minimum,
  relu_backward, sigmoid_backward, tanh_backward, silu_backward, gelu_erf_backward, gelu_tanh_backward,
  eq, ne, lt, le, gt, ge, logical_and, logical_or, logical_xor
};
enum class ReduceOp : uint8_t { sum, mean, amax, amin, var, norm };

// Extra operands of a unary op: clamp bounds (has_min/has_max say which apply).
struct UnaryArgs {
  double min = 0, max = 0;
  bool has_min = false, has_max = false;
};
// Extra operands of a reduction: var's correction, norm's p.
struct ReduceArgs {
  int64_t correction = 1;
  double p = 2.0;
};

struct KernelTable {
  // out[i] = op(in[i]); `in` has out's shape (possibly broadcast strides) and out's compute dtype,
  // except logical_not whose out is bool.
  void (*unary)(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryArgs& args) = nullptr;
  // out[i] = op(a[i], b[i]); a and b share one dtype and have out's shape (broadcast strides);
  // out has that dtype, or bool for comparisons and logical ops.
  void (*binary)(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) = nullptr;
  // out[i] = cond[i] ? a[i] : b[i]; cond is bool, a, b and out share a dtype and shape.
  void (*where)(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) = nullptr;
  // Reduces `in` over `dims` (sorted, unique, non-empty) into `out`, which has in's shape with
  // those dims set to 1 (keepdim form).
  void (*reduce)(ReduceOp op, const Tensor& out, const Tensor& in, const std::vector<int>& dims,
                 const ReduceArgs& args) = nullptr;
  // Index (i64) of the first max/min along `dim` into `out` (keepdim form).
  void (*arg_reduce)(bool is_max, const Tensor& out, const Tensor& in, int dim) = nullptr;
  void (*cumsum)(const Tensor& out, const Tensor& in, int dim) = nullptr;
  // out[b] = a[b] @ w[b] for 3-d operands [B,M,K] x [B,K,N] -> [B,M,N], or out[b] += a[b] @ w[b]
  // when `accumulate`; a and w may have any strides (stride 0 on broadcast batch dims), out is
  // contiguous; one dtype throughout.
  void (*batched_gemm)(const Tensor& out, const Tensor& a, const Tensor& w, bool accumulate) = nullptr;
  // out = a @ w + bias as batched_gemm, with bias [N] (dense, out's dtype) added to every row:
  // linear's product. Optional: without it, linear writes the bias into out and runs batched_gemm
  // with `accumulate` (kernels/linalg.cpp); a backend registers it to fuse the bias into the GEMM.
  void (*batched_gemm_bias)(const Tensor& out, const Tensor& a, const Tensor& w, const Tensor& bias) = nullptr;
  // Indexing (index tensors are i64 and already range-checked).
  void (*index_select)(const Tensor& out, const Tensor& in, int dim, const Tensor& index) = nullptr;
  void (*gather)(const Tensor& out, const Tensor& in, int dim, const Tensor& index) = nullptr;
  // out already holds the input; adds src at index along dim (in place on out).
  void (*scatter_add)(const Tensor& out, int dim, const Tensor& index, const Tensor& src) = nullptr;
  // Returns the elements of `in` where mask (bool, same shape) is true, as a 1-d tensor.
  Tensor (*masked_select)(const Tensor& in, const Tensor& mask) = nullptr;

  // ---- NN ops (kernels/nn_ops.h). Every tensor below is contiguous and of one floating dtype
  // unless the entry says otherwise; a row op sees its input as [outer, n, inner] and works on the
  // outer * inner rows of n elements (stride inner).
  // Softmax (log_softmax when `log`) along the middle dim of in into out (same shape).
  void (*softmax)(bool log, const Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner) = nullptr;
  // grad_in from grad_out and the forward's output `out`.
  void (*softmax_backward)(bool log, const Tensor& grad_in, const Tensor& grad_out, const Tensor& out, int64_t outer,
                           int64_t n, int64_t inner) = nullptr;
  // Scaled dot-product attention on [B, H, T, d] views (any strides, last stride 1), f32 or f64:
  // probs [B, H, Tq, Tk] (contiguous) = softmax(scale q k^T), with key j > query i masked out when
  // causal; out [B, H, Tq, dv] = probs v (any strides, last stride 1).
  void (*attention)(const Tensor& out, const Tensor& probs, const Tensor& q, const Tensor& k, const Tensor& v,
                    bool causal, double scale) = nullptr;
  // The gradients of q, k and v (views like the forward's operands) from grad_out and the saved probs.
  void (*attention_backward)(const Tensor& grad_q, const Tensor& grad_k, const Tensor& grad_v,
                             const Tensor& grad_out, const Tensor& q, const Tensor& k, const Tensor& v,
                             const Tensor& probs, bool causal, double scale) = nullptr;
  // x viewed as [rows, n]; mean and rstd are [rows] in the compute dtype (f32 for f16/bf16);
  // weight and bias are [n] or undefined.
  void (*layer_norm)(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x, const Tensor& weight,
                     const Tensor& bias, double eps) = nullptr;
  // grad_weight and grad_bias ([n], x's dtype) may be undefined: not wanted.
  void (*layer_norm_backward)(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                              const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                              const Tensor& weight) = nullptr;
  // Batch norm over x [N, C, S] (S = H * W, 1 for [N, C]), f32 or f64; weight, bias, mean, rstd,
  // var, running_mean and running_var are [C] in x's dtype. Training: writes the batch's
  // per-channel mean, biased variance `var` and rstd = 1 / sqrt(var + eps) (running_mean and
  // running_var are undefined: the caller updates its running statistics from mean and var).
  // Evaluation: mean = running_mean and rstd = 1 / sqrt(running_var + eps) are written and used
  // (var is undefined). out = (x - mean) * rstd * weight + bias.
  void (*batch_norm)(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& var, const Tensor& x,
                     const Tensor& weight, const Tensor& bias, const Tensor& running_mean, const Tensor& running_var,
                     bool training, double eps) = nullptr;
  // The three gradients ([N, C, S], [C], [C]) from the forward's mean and rstd: through the batch
  // statistics in training, with mean and rstd constant in evaluation. eps is the forward's.
  void (*batch_norm_backward)(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                              const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                              const Tensor& weight, bool training, double eps) = nullptr;
  // logits [N, C, inner], target i64 [N, inner] (range-checked but for ignore_index); writes the
  // per-position loss (0 where ignored) into loss [N, inner] in the compute dtype.
  void (*cross_entropy)(const Tensor& loss, const Tensor& logits, const Tensor& target, int64_t ignore_index,
                        double label_smoothing) = nullptr;
  // grad_logits [N, C, inner] from the per-position upstream grad `scale` [N, inner] (compute
  // dtype, any strides: stride 0 for a reduced loss).
  void (*cross_entropy_backward)(const Tensor& grad_logits, const Tensor& logits, const Tensor& target,
                                 const Tensor& scale, int64_t ignore_index, double label_smoothing) = nullptr;
  // Elementwise stable BCE with logits; x, y and pos_weight (ones when not given) have out's shape,
  // any strides (broadcast), one dtype.
  void (*bce_with_logits)(const Tensor& out, const Tensor& x, const Tensor& y, const Tensor& pos_weight) = nullptr;
  // grad_x = grad * dloss/dx; grad has grad_x's shape, any strides.
  void (*bce_with_logits_backward)(const Tensor& grad_x, const Tensor& grad, const Tensor& x, const Tensor& y,
                                   const Tensor& pos_weight) = nullptr;
  // grad_weight [num_weights, dim] (zeroed here) += grad_out rows [n, dim] at indices (i64 [n],
  // range-checked); rows whose index is padding_idx are skipped. Deterministic.
  void (*embedding_backward)(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& indices,
                             int64_t padding_idx) = nullptr;
  // mask (bool) = uniform(seed, call, i) >= p; out = in * mask * scale.
  void (*dropout)(const Tensor& out, const Tensor& mask, const Tensor& in, double p, double scale, uint64_t seed,
                  uint64_t call) = nullptr;

  // ---- optimizer steps (kernels/optimizer_ops.h): contiguous tensors of one shape and dtype,
  // updated in place. The momentum buffer is undefined when momentum is 0.
  void (*sgd_step)(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer,
                   const functors::SgdHyper& hyper) = nullptr;
  void (*adam_step)(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                    const functors::AdamHyper& hyper) = nullptr;
  // The same steps over many parameters at once (Note [Multi-tensor optimizer steps] in
  // kernels/multi_tensor_chunks.h): parallel lists of tensors of one device and dtype, each entry
  // as above; no two tensors written overlap. momentum_buffers is empty when momentum is 0.
  void (*sgd_step_many)(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                        const std::vector<Tensor>& momentum_buffers, const functors::SgdHyper& hyper) = nullptr;
  void (*adam_step_many)(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                         const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                         const functors::AdamHyper& hyper) = nullptr;

  // ---- convolution and pooling (kernels/conv_ops.h): NCHW tensors, contiguous, one floating
  // dtype (indices i64); shapes are validated and outputs sized by the public op.
  // bias [O] or undefined.
  void (*conv2d)(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                 const Conv2dParams& params) = nullptr;
  // Any of grad_input, grad_weight, grad_bias may be undefined: not wanted.
  void (*conv2d_backward)(const Tensor& grad_input, const Tensor& grad_weight, const Tensor& grad_bias,
                          const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                          const Conv2dParams& params) = nullptr;
  // indices may be undefined (inference): then only out is written.
  void (*max_pool2d)(const Tensor& out, const Tensor& indices, const Tensor& x, const Pool2dParams& params) = nullptr;
  // grad_input (zeroed here) gets grad_out added at indices, plane by plane.
  void (*max_pool2d_backward)(const Tensor& grad_input, const Tensor& grad_out, const Tensor& indices) = nullptr;
  void (*avg_pool2d)(const Tensor& out, const Tensor& x, const Pool2dParams& params) = nullptr;
  void (*avg_pool2d_backward)(const Tensor& grad_input, const Tensor& grad_out, const Pool2dParams& params) = nullptr;
};

// Installs the kernels of a device type (replacing any earlier table).
NIMBUS_API void register_kernels(DeviceType type, const KernelTable& table);
// The kernel table for a device; registers the CPU kernels on first use.
NIMBUS_API const KernelTable& kernels_for(Device device);

namespace cpu {
// Fills the CPU table; called once by kernels_for. Each kernels/cpu/*.cpp contributes its part.
void register_kernels();
}  // namespace cpu

}  // namespace nimbus

// Looks up `entry` for `device` or throws DeviceError naming the op and the device.
#define NIMBUS_KERNEL(device, entry, op_name)                                                        \
  [&]() {                                                                                            \
    const auto fn = ::nimbus::kernels_for(device).entry;                                             \
    NIMBUS_CHECK_T(DeviceError, fn != nullptr, op_name, ": not implemented on ", (device).str());    \
    return fn;                                                                                       \
  }()
