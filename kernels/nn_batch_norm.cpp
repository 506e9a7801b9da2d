// Public batch norm, forward and backward: validation, layout, dispatch.
//
// Note [Fused batch norm]
// One op per direction instead of the ten or so elementwise ops and reductions the formula takes
// when composed: the forward reads x for the statistics and once more for the output, the backward
// reads x and grad_out for two per-channel sums and once more for grad_input, and no intermediate
// tensor of x's size is made.
// - Layout: x is made contiguous and seen as [N, C, S] (S = H * W, 1 for [N, C]); channel c owns
//   N segments of S elements, C * S apart. The statistics are kept in x's dtype (f32 or f64: the
//   module converts 16-bit inputs to f32 first, as cuDNN keeps f32 statistics for them).
// - Statistics: two passes in double, the mean, then the mean of squared deviations from that
//   (unrounded) mean. A one-pass sum of squares (E[x^2] - E[x]^2) cancels catastrophically when
//   the mean is large against the spread, even in double over millions of values; Welford's update
//   is one pass but divides per element and vectorizes badly. The two passes read x twice, which
//   at batch-norm sizes costs less than the divisions, and match the composed formula that
//   BatchNorm used before (mean, then mean((x - mean)^2)).
// - Training returns the biased variance besides rstd = 1 / sqrt(var + eps), so that the module
//   updates its running statistics from exactly the numbers it did before (unbiased variance,
//   momentum) rather than from a variance recovered from rstd.
// - Backward, training: with xhat = (x - mean) * rstd and M = N * S values per channel,
//   grad_bias = sum(g), grad_weight = sum(g * xhat) and
//   grad_input = weight * rstd / M * (M * g - sum(g) - xhat * sum(g * xhat)).
//   Evaluation (mean and rstd are constants): grad_input = g * weight * rstd.
// Kernels: kernels/cpu/nn_batch_norm_cpu.cpp and kernels/cuda/batch_norm.cu (with cuDNN behind
// the NIMBUS_CUDA_CUDNN switch, kernels/cuda/cudnn_batch_norm.cpp).
#include <limits>

#include "kernels/dispatch.h"
#include "kernels/nn_ops.h"
#include "kernels/op_utils.h"

namespace nimbus {

namespace {

// Checks x and returns its channel count.
int64_t channels_of(const char* op, const Tensor& x) {
  NIMBUS_CHECK_T(DTypeError, x.dtype() == DType::f32 || x.dtype() == DType::f64, op,
                 ": expected an f32 or f64 input (16-bit inputs are normalized in f32), got ", dtype_name(x.dtype()),
                 " (input of shape ", shape_str(x.shape()), ")");
  NIMBUS_CHECK_T(ShapeError, x.dim() >= 2, op, ": expected an input [N, C] or [N, C, H, W], got ",
                 shape_str(x.shape()));
  return x.size(1);
}

// A per-channel tensor: [C] in x's dtype, on x's device.
void check_channel_tensor(const char* op, const char* what, const Tensor& t, const Tensor& x) {
  NIMBUS_CHECK(t.defined(), op, ": ", what, " is required");
  NIMBUS_CHECK_T(ShapeError, t.dim() == 1 && t.size(0) == x.size(1), op, ": ", what, " has shape ",
                 shape_str(t.shape()), ", expected [", x.size(1), "] for the input of shape ", shape_str(x.shape()));
  NIMBUS_CHECK_T(DeviceError, t.device() == x.device(), op, ": ", what, " is on ", t.device(), ", the input on ",
                 x.device());
}

// x as [N, C, S], contiguous.
Tensor as_ncs(const Tensor& x) {
  const int64_t n = x.size(0), c = x.size(1);
  const int64_t s = n * c == 0 ? 0 : x.numel() / (n * c);
  return x.contiguous().view({n, c, s});
}

Tensor channel_tensor(const Tensor& t, DType dt) { return t.to(dt).contiguous(); }

}  // namespace

BatchNormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                           const Tensor& running_var, bool training, double eps) {
  const char* op = "batch_norm";
  const Device device = detail::common_device(op, {&x});
  const int64_t c = channels_of(op, x);
  check_channel_tensor(op, "weight", weight, x);
  check_channel_tensor(op, "bias", bias, x);
  if (!training) {
    check_channel_tensor(op, "running_mean", running_mean, x);
    check_channel_tensor(op, "running_var", running_var, x);
  }
  NIMBUS_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);
  const DType dt = x.dtype();
  BatchNormResult r;
  r.output = empty(x.shape(), {dt, device});
  r.mean = empty({c}, {dt, device});
  r.rstd = empty({c}, {dt, device});
  if (training) r.var = empty({c}, {dt, device});
  if (c == 0) return r;
  NIMBUS_KERNEL(device, batch_norm, op)
  (r.output.view(as_ncs(x).shape()), r.mean, r.rstd, r.var, as_ncs(x), channel_tensor(weight, dt),
   channel_tensor(bias, dt), training ? Tensor() : channel_tensor(running_mean, dt),
   training ? Tensor() : channel_tensor(running_var, dt), training, eps);
  return r;
}

BatchNormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                   const Tensor& weight, bool training, double eps) {
  const char* op = "batch_norm_backward";
  const Device device = detail::common_device(op, {&grad_out, &x, &mean, &rstd});
  const int64_t c = channels_of(op, x);
  NIMBUS_CHECK_T(ShapeError, grad_out.shape() == x.shape(), op, ": grad_out has shape ", shape_str(grad_out.shape()),
                 ", the input has shape ", shape_str(x.shape()));
  NIMBUS_CHECK_T(DTypeError, grad_out.dtype() == x.dtype(), op, ": grad_out is ", dtype_name(grad_out.dtype()),
                 ", the input is ", dtype_name(x.dtype()));
  check_channel_tensor(op, "weight", weight, x);
  check_channel_tensor(op, "mean", mean, x);
  check_channel_tensor(op, "rstd", rstd, x);
  const DType dt = x.dtype();
  BatchNormGrads g;
  g.grad_input = empty(x.shape(), {dt, device});
  g.grad_weight = empty({c}, {dt, device});
  g.grad_bias = empty({c}, {dt, device});
  if (c == 0) return g;
  const Tensor xs = as_ncs(x);
  NIMBUS_KERNEL(device, batch_norm_backward, op)
  (g.grad_input.view(xs.shape()), g.grad_weight, g.grad_bias, grad_out.contiguous().view(xs.shape()), xs,
   channel_tensor(mean, dt), channel_tensor(rstd, dt), channel_tensor(weight, dt), training, eps);
  return g;
}

}  // namespace nimbus
