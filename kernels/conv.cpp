// Public conv2d, max_pool2d and avg_pool2d, forward and backward: validation, output sizes,
// layout, dispatch (KernelTable::conv2d and friends).
//
// Every operand is made contiguous NCHW here, so the kernels see one layout. Output sizes follow
// PyTorch exactly (including ceil_mode's rule that the last window must start inside the input
// or its left padding), and each bad argument is a ShapeError naming the op and the shapes.
#include <sstream>
#include <string>

#include "kernels/conv_ops.h"
#include "kernels/dispatch.h"
#include "kernels/op_utils.h"

namespace nimbus {

namespace {

// Built with a stream: GCC 12 warns (-Wrestrict, a known false positive) on "(" + std::string.
std::string pair_str(Pair p) {
  std::ostringstream s;
  s << "(" << p[0] << ", " << p[1] << ")";
  return s.str();
}

void require_floating(const char* op, const Tensor& x) {
  NIMBUS_CHECK_T(DTypeError, is_floating(x.dtype()), op, ": expected a floating dtype, got ", dtype_name(x.dtype()),
                 " (input of shape ", shape_str(x.shape()), ")");
}

void require_same_dtype(const char* op, const char* what, const Tensor& t, const Tensor& x) {
  NIMBUS_CHECK_T(DTypeError, t.dtype() == x.dtype(), op, ": ", what, " is ", dtype_name(t.dtype()),
                 ", the input is ", dtype_name(x.dtype()));
}

void require_4d(const char* op, const char* what, const Shape& shape) {
  NIMBUS_CHECK_T(ShapeError, shape.size() == 4, op, ": expected a 4-d ", what, " [N, C, H, W], got shape ",
                 shape_str(shape));
}

void require_positive(const char* op, const char* what, Pair p) {
  NIMBUS_CHECK_T(ShapeError, p[0] > 0 && p[1] > 0, op, ": ", what, " must be positive, got ", pair_str(p));
}

// ---- conv2d ----

Shape conv_output_shape(const char* op, const Shape& x, const Shape& w, const Conv2dParams& p) {
  require_4d(op, "input", x);
  NIMBUS_CHECK_T(ShapeError, w.size() == 4, op, ": expected a 4-d weight [O, C/groups, kH, kW], got shape ",
                 shape_str(w));
  require_positive(op, "stride", p.stride);
  require_positive(op, "dilation", p.dilation);
  NIMBUS_CHECK_T(ShapeError, p.padding[0] >= 0 && p.padding[1] >= 0, op, ": padding must be non-negative, got ",
                 pair_str(p.padding));
  NIMBUS_CHECK_T(ShapeError, p.groups > 0, op, ": groups must be positive, got ", p.groups);
  NIMBUS_CHECK_T(ShapeError, x[1] % p.groups == 0, op, ": input channels (", x[1], ", input of shape ", shape_str(x),
                 ") are not divisible by groups (", p.groups, ")");
  NIMBUS_CHECK_T(ShapeError, w[0] % p.groups == 0 && w[0] > 0, op, ": output channels (", w[0],
                 ", weight of shape ", shape_str(w), ") are not a positive multiple of groups (", p.groups, ")");
  NIMBUS_CHECK_T(ShapeError, w[1] * p.groups == x[1], op, ": weight of shape ", shape_str(w), " expects ",
                 w[1] * p.groups, " input channels (groups = ", p.groups, "), the input of shape ", shape_str(x),
                 " has ", x[1]);
  Shape out{x[0], w[0], 0, 0};
  for (int d = 0; d < 2; ++d) {
    const int64_t padded = x[2 + d] + 2 * p.padding[d], span = p.dilation[d] * (w[2 + d] - 1) + 1;
    NIMBUS_CHECK_T(ShapeError, w[2 + d] > 0 && span <= padded, op, ": kernel of size (", w[2], ", ", w[3],
                   ") with dilation ", pair_str(p.dilation), " is larger than the padded input (",
                   x[2] + 2 * p.padding[0], ", ", x[3] + 2 * p.padding[1], "); input of shape ", shape_str(x));
    out[2 + d] = (padded - span) / p.stride[d] + 1;
  }
  return out;
}

// ---- pooling ----

Pool2dParams pool_params(const char* op, const Shape& x, Pair kernel, std::optional<Pair> stride, Pair padding,
                         Pair dilation, bool ceil_mode, bool count_include_pad) {
  require_4d(op, "input", x);
  Pool2dParams p{kernel, stride.value_or(kernel), padding, dilation, ceil_mode, count_include_pad};
  require_positive(op, "kernel size", p.kernel);
  require_positive(op, "stride", p.stride);
  require_positive(op, "dilation", p.dilation);
  for (int d = 0; d < 2; ++d) {
    // PyTorch's limit: a window never lies entirely in the padding.
    const int64_t span = p.dilation[d] * (p.kernel[d] - 1) + 1;
    NIMBUS_CHECK_T(ShapeError, p.padding[d] >= 0 && p.padding[d] <= span / 2, op,
                   ": padding should be non-negative and at most half the (dilated) kernel size, got padding ",
                   pair_str(p.padding), " for kernel ", pair_str(p.kernel));
  }
  return p;
}

Shape pool_output_shape(const char* op, const Shape& x, const Pool2dParams& p) {
  Shape out{x[0], x[1], 0, 0};
  for (int d = 0; d < 2; ++d) {
    const int64_t in = x[2 + d], span = p.dilation[d] * (p.kernel[d] - 1) + 1;
    const int64_t num = in + 2 * p.padding[d] - span + (p.ceil_mode ? p.stride[d] - 1 : 0);
    int64_t o = (num >= 0 ? num / p.stride[d] : -((-num + p.stride[d] - 1) / p.stride[d])) + 1;
    // The last window must start inside the input or its left padding.
    if (p.ceil_mode && o > 0 && (o - 1) * p.stride[d] >= in + p.padding[d]) --o;
    NIMBUS_CHECK_T(ShapeError, o >= 1, op, ": kernel ", pair_str(p.kernel), " with dilation ", pair_str(p.dilation),
                   " is larger than the padded input; input of shape ", shape_str(x), ", padding ",
                   pair_str(p.padding));
    out[2 + d] = o;
  }
  return out;
}

void check_grad_shape(const char* op, const Tensor& grad_out, const Shape& expected) {
  NIMBUS_CHECK_T(ShapeError, grad_out.shape() == expected, op, ": grad_out has shape ", shape_str(grad_out.shape()),
                 ", the output has shape ", shape_str(expected));
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& params) {
  constexpr const char* op = "conv2d";
  const Device device = bias.defined() ? detail::common_device(op, {&x, &weight, &bias})
                                       : detail::common_device(op, {&x, &weight});
  require_floating(op, x);
  require_same_dtype(op, "weight", weight, x);
  const Shape out_shape = conv_output_shape(op, x.shape(), weight.shape(), params);
  if (bias.defined()) {
    require_same_dtype(op, "bias", bias, x);
    NIMBUS_CHECK_T(ShapeError, bias.shape() == Shape{weight.size(0)}, op, ": bias has shape ",
                   shape_str(bias.shape()), ", expected [", weight.size(0), "] for weight of shape ",
                   shape_str(weight.shape()));
  }
  Tensor out = empty(out_shape, {x.dtype(), device});
  if (out.numel() == 0) return out;
  NIMBUS_KERNEL(device, conv2d, op)
  (out, x.contiguous(), weight.contiguous(), bias.defined() ? bias.contiguous() : Tensor(), params);
  return out;
}

Conv2dGrads conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                            const Conv2dParams& params, bool need_input, bool need_weight, bool need_bias) {
  constexpr const char* op = "conv2d_backward";
  const Device device = detail::common_device(op, {&grad_out, &x, &weight});
  require_floating(op, x);
  require_same_dtype(op, "weight", weight, x);
  require_same_dtype(op, "grad_out", grad_out, x);
  check_grad_shape(op, grad_out, conv_output_shape(op, x.shape(), weight.shape(), params));
  Conv2dGrads grads;
  if (need_input) grads.grad_input = empty(x.shape(), {x.dtype(), device});
  if (need_weight) grads.grad_weight = empty(weight.shape(), {x.dtype(), device});
  if (need_bias) grads.grad_bias = empty({weight.size(0)}, {x.dtype(), device});
  if (grad_out.numel() == 0 || x.numel() == 0) {  // nothing flows: every gradient is zero
    for (const Tensor* t : {&grads.grad_input, &grads.grad_weight, &grads.grad_bias})
      if (t->defined()) t->fill_(0);
    return grads;
  }
  if (!need_input && !need_weight && !need_bias) return grads;
  NIMBUS_KERNEL(device, conv2d_backward, op)
  (grads.grad_input, grads.grad_weight, grads.grad_bias, grad_out.contiguous(), x.contiguous(), weight.contiguous(),
   params);
  return grads;
}

MaxPool2dResult max_pool2d(const Tensor& x, Pair kernel, std::optional<Pair> stride, Pair padding, Pair dilation,
                           bool ceil_mode, bool with_indices) {
  constexpr const char* op = "max_pool2d";
  const Device device = detail::common_device(op, {&x});
  require_floating(op, x);
  const Pool2dParams p = pool_params(op, x.shape(), kernel, stride, padding, dilation, ceil_mode, true);
  const Shape out_shape = pool_output_shape(op, x.shape(), p);
  MaxPool2dResult r{empty(out_shape, {x.dtype(), device}),
                    with_indices ? empty(out_shape, {DType::i64, device}) : Tensor()};
  if (r.output.numel() == 0) return r;
  NIMBUS_KERNEL(device, max_pool2d, op)(r.output, r.indices, x.contiguous(), p);
  return r;
}

Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Shape& input_shape) {
  constexpr const char* op = "max_pool2d_backward";
  const Device device = detail::common_device(op, {&grad_out, &indices});
  require_floating(op, grad_out);
  require_4d(op, "input shape", input_shape);
  NIMBUS_CHECK_T(DTypeError, indices.dtype() == DType::i64, op, ": indices must be i64, got ",
                 dtype_name(indices.dtype()));
  NIMBUS_CHECK_T(ShapeError, grad_out.shape() == indices.shape() && grad_out.dim() == 4 &&
                                 grad_out.size(0) == input_shape[0] && grad_out.size(1) == input_shape[1],
                 op, ": grad_out of shape ", shape_str(grad_out.shape()), " and indices of shape ",
                 shape_str(indices.shape()), " do not match the input shape ", shape_str(input_shape));
  Tensor grad_in = empty(input_shape, {grad_out.dtype(), device});
  if (grad_in.numel() == 0) return grad_in;
  NIMBUS_KERNEL(device, max_pool2d_backward, op)(grad_in, grad_out.contiguous(), indices.contiguous());
  return grad_in;
}

Tensor avg_pool2d(const Tensor& x, Pair kernel, std::optional<Pair> stride, Pair padding, bool ceil_mode,
                  bool count_include_pad) {
  constexpr const char* op = "avg_pool2d";
  const Device device = detail::common_device(op, {&x});
  require_floating(op, x);
  const Pool2dParams p = pool_params(op, x.shape(), kernel, stride, padding, {1, 1}, ceil_mode, count_include_pad);
  Tensor out = empty(pool_output_shape(op, x.shape(), p), {x.dtype(), device});
  if (out.numel() == 0) return out;
  NIMBUS_KERNEL(device, avg_pool2d, op)(out, x.contiguous(), p);
  return out;
}

Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape, Pair kernel, std::optional<Pair> stride,
                           Pair padding, bool ceil_mode, bool count_include_pad) {
  constexpr const char* op = "avg_pool2d_backward";
  const Device device = detail::common_device(op, {&grad_out});
  require_floating(op, grad_out);
  const Pool2dParams p = pool_params(op, input_shape, kernel, stride, padding, {1, 1}, ceil_mode, count_include_pad);
  check_grad_shape(op, grad_out, pool_output_shape(op, input_shape, p));
  Tensor grad_in = empty(input_shape, {grad_out.dtype(), device});
  if (grad_in.numel() == 0) return grad_in;
  NIMBUS_KERNEL(device, avg_pool2d_backward, op)(grad_in, grad_out.contiguous(), p);
  return grad_in;
}

}  // namespace nimbus
