// Public elementwise ops: validation, type promotion, broadcasting, dispatch.

#include "kernels/dispatch.h"
#include "kernels/op_utils.h"
#include "kernels/ops.h"

namespace nimbus {

namespace {

enum class Promotion { keep, to_float };

Tensor unary_op(UnaryOp op, const char* name, const Tensor& x, Promotion promotion, const UnaryArgs& args = {}) {
  const Device device = detail::common_device(name, {&x});
  Tensor in = x;
  if (promotion == Promotion::to_float && !is_floating(x.dtype())) in = x.to(kDefaultFloat);
  if ((op == UnaryOp::neg) && x.dtype() == DType::boolean)
    NIMBUS_THROW(DTypeError, name, ": not defined for bool tensors; use logical_not");
  const DType out_dtype = op == UnaryOp::logical_not ? DType::boolean : in.dtype();
  Tensor out = empty(x.shape(), {out_dtype, device});
  NIMBUS_KERNEL(device, unary, name)(op, out, in, args);
  return out;
}

bool is_comparison_or_logical(BinaryOp op) { return op >= BinaryOp::eq; }
// Ops whose math needs a floating type (integer operands promote to the default float).
bool needs_float(BinaryOp op) { return op == BinaryOp::div || (op > BinaryOp::relu_backward && op < BinaryOp::eq); }

Tensor binary_op(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  const Device device = detail::common_device(name, {&a, &b});
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  DType compute = promote_types(a.dtype(), b.dtype());
  if (needs_float(op) && !is_floating(compute)) compute = kDefaultFloat;  // true division, activations
  if (compute == DType::boolean && (op == BinaryOp::sub || op == BinaryOp::pow || op == BinaryOp::relu_backward))
    NIMBUS_THROW(DTypeError, name, ": not defined for two bool tensors");
  const DType out_dtype = is_comparison_or_logical(op) ? DType::boolean : compute;
  Tensor out = empty(shape, {out_dtype, device});
  NIMBUS_KERNEL(device, binary, name)(op, out, a.to(compute).expand(shape), b.to(compute).expand(shape));
  return out;
}

// The scalar as a 0-d tensor of the dtype it promotes `a` to (Note [Type promotion]).
Tensor scalar_operand(const Tensor& a, Scalar s) {
  NIMBUS_CHECK(a.defined(), "undefined tensor argument");
  return scalar_tensor(s, {promote_with_scalar(a.dtype(), s.is_floating()), a.device()});
}

}  // namespace

Tensor neg(const Tensor& x) { return unary_op(UnaryOp::neg, "neg", x, Promotion::keep); }
Tensor abs(const Tensor& x) { return unary_op(UnaryOp::abs, "abs", x, Promotion::keep); }
Tensor exp(const Tensor& x) { return unary_op(UnaryOp::exp, "exp", x, Promotion::to_float); }
Tensor log(const Tensor& x) { return unary_op(UnaryOp::log, "log", x, Promotion::to_float); }
Tensor sqrt(const Tensor& x) { return unary_op(UnaryOp::sqrt, "sqrt", x, Promotion::to_float); }
Tensor rsqrt(const Tensor& x) { return unary_op(UnaryOp::rsqrt, "rsqrt", x, Promotion::to_float); }
Tensor sin(const Tensor& x) { return unary_op(UnaryOp::sin, "sin", x, Promotion::to_float); }
Tensor cos(const Tensor& x) { return unary_op(UnaryOp::cos, "cos", x, Promotion::to_float); }
Tensor tanh(const Tensor& x) { return unary_op(UnaryOp::tanh, "tanh", x, Promotion::to_float); }
Tensor sigmoid(const Tensor& x) { return unary_op(UnaryOp::sigmoid, "sigmoid", x, Promotion::to_float); }
Tensor relu(const Tensor& x) { return unary_op(UnaryOp::relu, "relu", x, Promotion::keep); }
Tensor gelu(const Tensor& x, GeluApproximation approximation) {
  return approximation == GeluApproximation::tanh ? unary_op(UnaryOp::gelu_tanh, "gelu", x, Promotion::to_float)
                                                  : unary_op(UnaryOp::gelu_erf, "gelu", x, Promotion::to_float);
}
Tensor silu(const Tensor& x) { return unary_op(UnaryOp::silu, "silu", x, Promotion::to_float); }
Tensor erf(const Tensor& x) { return unary_op(UnaryOp::erf, "erf", x, Promotion::to_float); }
Tensor logical_not(const Tensor& x) { return unary_op(UnaryOp::logical_not, "logical_not", x, Promotion::keep); }

Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max) {
  NIMBUS_CHECK(min || max, "clamp: at least one of min and max must be given");
  UnaryArgs args;
  args.has_min = min.has_value();
  args.has_max = max.has_value();
  if (min) args.min = min->to_double();
  if (max) args.max = max->to_double();
  return unary_op(UnaryOp::clamp, "clamp", x, Promotion::keep, args);
}

Tensor add(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::add, "add", a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::sub, "sub", a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::mul, "mul", a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::div, "div", a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::pow, "pow", a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::maximum, "maximum", a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::minimum, "minimum", a, b); }
Tensor eq(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::eq, "eq", a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::ne, "ne", a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::lt, "lt", a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::le, "le", a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::gt, "gt", a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::ge, "ge", a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::logical_and, "logical_and", a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::logical_or, "logical_or", a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::logical_xor, "logical_xor", a, b); }

Tensor relu_backward(const Tensor& grad, const Tensor& saved) {
  return binary_op(BinaryOp::relu_backward, "relu_backward", grad, saved);
}
Tensor sigmoid_backward(const Tensor& grad, const Tensor& output) {
  return binary_op(BinaryOp::sigmoid_backward, "sigmoid_backward", grad, output);
}
Tensor tanh_backward(const Tensor& grad, const Tensor& output) {
  return binary_op(BinaryOp::tanh_backward, "tanh_backward", grad, output);
}
Tensor silu_backward(const Tensor& grad, const Tensor& input) {
  return binary_op(BinaryOp::silu_backward, "silu_backward", grad, input);
}
Tensor gelu_backward(const Tensor& grad, const Tensor& input, GeluApproximation approximation) {
  return approximation == GeluApproximation::tanh
             ? binary_op(BinaryOp::gelu_tanh_backward, "gelu_backward", grad, input)
             : binary_op(BinaryOp::gelu_erf_backward, "gelu_backward", grad, input);
}

Tensor add(const Tensor& a, Scalar b) { return add(a, scalar_operand(a, b)); }
Tensor sub(const Tensor& a, Scalar b) { return sub(a, scalar_operand(a, b)); }
Tensor mul(const Tensor& a, Scalar b) { return mul(a, scalar_operand(a, b)); }
Tensor div(const Tensor& a, Scalar b) { return div(a, scalar_operand(a, b)); }
Tensor pow(const Tensor& a, Scalar b) { return pow(a, scalar_operand(a, b)); }

void add_out(const Tensor& out, const Tensor& a, const Tensor& b) {
  const Device device = detail::common_device("add_out", {&out, &a, &b});
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), "add_out");
  NIMBUS_CHECK_T(ShapeError, out.shape() == shape, "add_out: out has shape ", shape_str(out.shape()),
                 ", the result has shape ", shape_str(shape));
  const DType compute = promote_types(a.dtype(), b.dtype());
  NIMBUS_CHECK_T(DTypeError, out.dtype() == compute, "add_out: out is ", dtype_name(out.dtype()),
                 ", the result is ", dtype_name(compute));
  NIMBUS_KERNEL(device, binary, "add_out")(BinaryOp::add, out, a.to(compute).expand(shape), b.to(compute).expand(shape));
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  const Device device = detail::common_device("where", {&cond, &a, &b});
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  const DType dtype = promote_types(a.dtype(), b.dtype());
  Tensor out = empty(shape, {dtype, device});
  NIMBUS_KERNEL(device, where, "where")
  (out, cond.to(DType::boolean).expand(shape), a.to(dtype).expand(shape), b.to(dtype).expand(shape));
  return out;
}

}  // namespace nimbus
