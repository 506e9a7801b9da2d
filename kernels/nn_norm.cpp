// Public layer norm, forward and backward: validation, layout, dispatch.
//
// x is made contiguous and seen as [rows, n] with n = numel(normalized_shape). The saved mean and
// rstd are kept in the accumulation dtype (f32 for f16/bf16) so that backward does not see them
// rounded to 16 bits.
#include <limits>

#include "kernels/dispatch.h"
#include "kernels/nn_ops.h"
#include "kernels/op_utils.h"

namespace nimbus {

namespace {

DType stats_dtype(DType t) { return t == DType::f64 ? DType::f64 : DType::f32; }

// Checks that x ends with normalized_shape; returns the leading (row) dims.
Shape leading_dims(const char* op, const Tensor& x, const Shape& normalized_shape) {
  NIMBUS_CHECK_T(DTypeError, is_floating(x.dtype()), op, ": expected a floating dtype, got ", dtype_name(x.dtype()),
                 " (input of shape ", shape_str(x.shape()), ")");
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool ok = k >= 1 && k <= x.dim();
  for (int64_t i = 0; ok && i < k; ++i) ok = x.size(x.dim() - k + i) == normalized_shape[i];
  NIMBUS_CHECK_T(ShapeError, ok, op, ": normalized_shape ", shape_str(normalized_shape),
                 " must be non-empty and match the trailing dims of the input of shape ", shape_str(x.shape()));
  return Shape(x.shape().begin(), x.shape().end() - k);
}

// weight or bias: undefined, or normalized_shape in x's dtype.
void check_affine(const char* op, const char* what, const Tensor& t, const Tensor& x, const Shape& normalized_shape) {
  if (!t.defined()) return;
  NIMBUS_CHECK_T(ShapeError, t.shape() == normalized_shape, op, ": ", what, " has shape ", shape_str(t.shape()),
                 ", expected normalized_shape ", shape_str(normalized_shape));
  NIMBUS_CHECK_T(DTypeError, t.dtype() == x.dtype(), op, ": ", what, " is ", dtype_name(t.dtype()),
                 ", the input is ", dtype_name(x.dtype()));
  NIMBUS_CHECK_T(DeviceError, t.device() == x.device(), op, ": ", what, " is on ", t.device(), ", the input on ",
                 x.device());
}

Tensor flat_or_undefined(const Tensor& t) { return t.defined() ? t.contiguous().reshape({-1}) : Tensor(); }

}  // namespace

LayerNormResult layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                           double eps) {
  const Device device = detail::common_device("layer_norm", {&x});
  const Shape lead = leading_dims("layer_norm", x, normalized_shape);
  check_affine("layer_norm", "weight", weight, x, normalized_shape);
  check_affine("layer_norm", "bias", bias, x, normalized_shape);
  NIMBUS_CHECK(eps >= 0, "layer_norm: eps must be non-negative, got ", eps);
  const int64_t n = shape_numel(normalized_shape), rows = shape_numel(lead);
  LayerNormResult r;
  r.output = empty(x.shape(), {x.dtype(), device});
  r.mean = empty(lead, {stats_dtype(x.dtype()), device});
  r.rstd = empty(lead, {stats_dtype(x.dtype()), device});
  if (x.numel() == 0) {
    r.mean.fill_(std::numeric_limits<double>::quiet_NaN());  // a row of no elements has no mean
    r.rstd.fill_(std::numeric_limits<double>::quiet_NaN());
    return r;
  }
  NIMBUS_KERNEL(device, layer_norm, "layer_norm")
  (r.output, r.mean, r.rstd, x.contiguous().view({rows, n}), flat_or_undefined(weight), flat_or_undefined(bias), eps);
  return r;
}

LayerNormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, const Shape& normalized_shape,
                                   const Tensor& mean, const Tensor& rstd, const Tensor& weight, bool has_bias) {
  const char* op = "layer_norm_backward";
  const Device device = detail::common_device(op, {&grad_out, &x, &mean, &rstd});
  const Shape lead = leading_dims(op, x, normalized_shape);
  check_affine(op, "weight", weight, x, normalized_shape);
  NIMBUS_CHECK_T(ShapeError, grad_out.shape() == x.shape(), op, ": grad_out has shape ", shape_str(grad_out.shape()),
                 ", the input has shape ", shape_str(x.shape()));
  NIMBUS_CHECK_T(DTypeError, grad_out.dtype() == x.dtype(), op, ": grad_out is ", dtype_name(grad_out.dtype()),
                 ", the input is ", dtype_name(x.dtype()));
  for (const Tensor* t : {&mean, &rstd})
    NIMBUS_CHECK_T(ShapeError, shape_numel(t->shape()) == shape_numel(lead), op, ": mean and rstd must have ",
                   shape_numel(lead), " elements (shape ", shape_str(lead), "), got shape ", shape_str(t->shape()));
  const int64_t n = shape_numel(normalized_shape), rows = shape_numel(lead);
  const DType sd = stats_dtype(x.dtype());
  LayerNormGrads g;
  g.grad_input = empty(x.shape(), {x.dtype(), device});
  if (weight.defined()) g.grad_weight = empty(normalized_shape, {x.dtype(), device});
  if (has_bias) g.grad_bias = empty(normalized_shape, {x.dtype(), device});
  if (x.numel() == 0) {
    if (g.grad_weight.defined()) g.grad_weight.fill_(0);
    if (g.grad_bias.defined()) g.grad_bias.fill_(0);
    return g;
  }
  NIMBUS_KERNEL(device, layer_norm_backward, op)
  (g.grad_input, g.grad_weight.defined() ? g.grad_weight.view({n}) : Tensor(),
   g.grad_bias.defined() ? g.grad_bias.view({n}) : Tensor(), grad_out.contiguous().view({rows, n}),
   x.contiguous().view({rows, n}), mean.to(sd).contiguous().reshape({rows}), rstd.to(sd).contiguous().reshape({rows}),
   flat_or_undefined(weight));
  return g;
}

}  // namespace nimbus
