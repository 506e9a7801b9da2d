// Public losses, forward and backward: cross-entropy, MSE, BCE with logits.
//
// Losses compute in the accumulation dtype (f32 for f16/bf16, else the input's) and round once
// at the end. Per-element losses are reduced with sum(), whose order is fixed, so mean and sum
// are deterministic and need no kernels of their own. MSE is plain tensor arithmetic (no kernel:
// every backend that has the elementwise ops has it); cross-entropy and BCE have kernels, for the
// stable forms and to avoid materialising log_softmax.
#include <algorithm>

#include "kernels/dispatch.h"
#include "kernels/nn_ops.h"
#include "kernels/op_utils.h"
#include "kernels/ops.h"

namespace nimbus {

namespace {

DType acc_dtype(DType t) { return t == DType::f64 ? DType::f64 : DType::f32; }

void require_floating(const char* op, const char* what, const Tensor& x) {
  NIMBUS_CHECK_T(DTypeError, is_floating(x.dtype()), op, ": ", what, " must have a floating dtype, got ",
                 dtype_name(x.dtype()), " (shape ", shape_str(x.shape()), ")");
}

void require_same_shape(const char* op, const Tensor& a, const Tensor& b, const char* a_name, const char* b_name) {
  NIMBUS_CHECK_T(ShapeError, a.shape() == b.shape(), op, ": ", a_name, " has shape ", shape_str(a.shape()), " but ",
                 b_name, " has shape ", shape_str(b.shape()));
}

// Reduces per-element losses `l` (acc dtype) and rounds to `dtype`; `count` (0-d) divides for mean.
Tensor reduce_loss(const Tensor& l, Reduction reduction, const Tensor& count, DType dtype) {
  if (reduction == Reduction::none) return l.to(dtype);
  const Tensor total = sum(l);
  return (reduction == Reduction::sum ? total : div(total, count.to(total.dtype()))).to(dtype);
}

// The upstream grad of each element in acc dtype: grad_out itself (of `shape`) for none, or 0-d:
// grad_out, divided by count for mean, to be broadcast by the caller.
Tensor element_scale(const char* op, const Tensor& grad_out, const Shape& shape, Reduction reduction,
                     const Tensor& count, DType acc) {
  if (reduction == Reduction::none) {
    NIMBUS_CHECK_T(ShapeError, grad_out.shape() == shape, op, ": grad_out has shape ", shape_str(grad_out.shape()),
                   ", the unreduced loss has shape ", shape_str(shape));
    return grad_out.to(acc);
  }
  NIMBUS_CHECK_T(ShapeError, grad_out.numel() == 1, op,
                 ": grad_out of a reduced loss must have one element, got shape ",
                 shape_str(grad_out.shape()));
  Tensor g = grad_out.to(acc).reshape({});
  if (reduction == Reduction::mean) g = div(g, count.to(acc));
  return g;
}

// ---- cross-entropy ----

struct CeInputs {
  Tensor logits;  // [N, C, inner] contiguous
  Tensor target;  // [N, inner] i64 contiguous
  Shape loss_shape;
  Tensor count;   // 0-d: targets that are not ignored (for mean only)
};

CeInputs cross_entropy_inputs(const char* op, const Tensor& logits, const Tensor& target, Reduction reduction,
                              int64_t ignore_index, double label_smoothing) {
  detail::common_device(op, {&logits, &target});
  require_floating(op, "logits", logits);
  NIMBUS_CHECK_T(DTypeError, is_integral(target.dtype()), op,
                 ": target must hold class indices (an integer dtype), got ", dtype_name(target.dtype()));
  NIMBUS_CHECK(label_smoothing >= 0 && label_smoothing <= 1, op, ": label_smoothing must be in [0, 1], got ",
               label_smoothing);
  NIMBUS_CHECK_T(ShapeError, logits.dim() >= 1, op, ": logits must be [C], [N, C] or [N, C, d1, ...], got shape ",
                 shape_str(logits.shape()));
  // An unbatched [C] input is a batch of one.
  const bool unbatched = logits.dim() == 1;
  const Tensor z = unbatched ? logits.unsqueeze(0) : logits;
  Shape expected = z.shape();
  expected.erase(expected.begin() + 1);
  const Shape loss_shape = unbatched ? Shape{} : expected;
  NIMBUS_CHECK_T(ShapeError, target.shape() == loss_shape, op, ": logits of shape ", shape_str(logits.shape()),
                 " need target of shape ", shape_str(loss_shape), ", got ", shape_str(target.shape()));
  const int64_t N = z.size(0), C = z.size(1);
  int64_t inner = 1;
  for (int64_t d = 2; d < z.dim(); ++d) inner *= z.size(d);
  CeInputs in;
  in.target = target.to(DType::i64).contiguous().reshape({N, inner});
  // Every non-ignored target must name a class; read where the targets are, once.
  const Tensor host = in.target.device().is_cpu() ? in.target : in.target.to(Device::cpu());
  const int64_t* t = host.data<int64_t>();
  for (int64_t i = 0; i < host.numel(); ++i)
    NIMBUS_CHECK_T(ShapeError, t[i] == ignore_index || (t[i] >= 0 && t[i] < C), op, ": target value ", t[i],
                   " is out of range for ", C, " classes (expected 0 <= target < ", C, " or ignore_index ",
                   ignore_index, ")");
  in.logits = z.contiguous().reshape({N, C, inner});
  in.loss_shape = loss_shape;
  if (reduction == Reduction::mean)
    in.count = sum(ne(in.target, scalar_tensor(ignore_index, {DType::i64, target.device()})));
  return in;
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction, int64_t ignore_index,
                     double label_smoothing) {
  const CeInputs in = cross_entropy_inputs("cross_entropy", logits, target, reduction, ignore_index, label_smoothing);
  const DType acc = acc_dtype(logits.dtype());
  Tensor l = empty(in.target.shape(), {acc, logits.device()});
  if (l.numel() > 0)
    NIMBUS_KERNEL(logits.device(), cross_entropy, "cross_entropy")
    (l, in.logits, in.target, ignore_index, label_smoothing);
  return reduce_loss(l.reshape(in.loss_shape), reduction, in.count, logits.dtype());
}

Tensor cross_entropy_backward(const Tensor& grad_out, const Tensor& logits, const Tensor& target, Reduction reduction,
                              int64_t ignore_index, double label_smoothing) {
  const char* op = "cross_entropy_backward";
  const CeInputs in = cross_entropy_inputs(op, logits, target, reduction, ignore_index, label_smoothing);
  detail::common_device(op, {&grad_out, &logits});
  const DType acc = acc_dtype(logits.dtype());
  const Tensor g = element_scale(op, grad_out, in.loss_shape, reduction, in.count, acc);
  const Tensor scale = reduction == Reduction::none ? g.reshape(in.target.shape())
                                                    : g.reshape({1, 1}).expand(in.target.shape());
  Tensor grad = empty(in.logits.shape(), {logits.dtype(), logits.device()});
  if (grad.numel() > 0)
    NIMBUS_KERNEL(logits.device(), cross_entropy_backward, op)
    (grad, in.logits, in.target, scale, ignore_index, label_smoothing);
  return grad.view(logits.shape());
}

// ---- MSE ----

Tensor mse_loss(const Tensor& a, const Tensor& b, Reduction reduction) {
  detail::common_device("mse_loss", {&a, &b});
  require_floating("mse_loss", "input", a);
  require_floating("mse_loss", "target", b);
  require_same_shape("mse_loss", a, b, "input", "target");
  const DType acc = acc_dtype(promote_types(a.dtype(), b.dtype()));
  const Tensor d = sub(a.to(acc), b.to(acc));
  const Tensor count = scalar_tensor(a.numel(), {DType::i64, a.device()});
  return reduce_loss(mul(d, d), reduction, count, promote_types(a.dtype(), b.dtype()));
}

LossGrads mse_loss_backward(const Tensor& grad_out, const Tensor& a, const Tensor& b, Reduction reduction) {
  const char* op = "mse_loss_backward";
  detail::common_device(op, {&grad_out, &a, &b});
  require_floating(op, "input", a);
  require_floating(op, "target", b);
  require_same_shape(op, a, b, "input", "target");
  const DType acc = acc_dtype(promote_types(a.dtype(), b.dtype()));
  const Tensor count = scalar_tensor(a.numel(), {DType::i64, a.device()});
  // d/da (a - b)^2 = 2 (a - b); d/db is its negation.
  const Tensor scale = element_scale(op, grad_out, a.shape(), reduction, count, acc).expand(a.shape());
  const Tensor ga = mul(mul(sub(a.to(acc), b.to(acc)), 2.0), scale);
  return {ga.to(a.dtype()), neg(ga).to(b.dtype())};
}

// ---- BCE with logits ----

namespace {

struct BceInputs {
  Tensor x, y, pos_weight;  // acc dtype, x's shape (pos_weight broadcast)
};

BceInputs bce_inputs(const char* op, const Tensor& x, const Tensor& y, const Tensor& pos_weight) {
  detail::common_device(op, {&x, &y});
  require_floating(op, "input", x);
  require_floating(op, "target", y);
  require_same_shape(op, x, y, "input", "target");
  const DType acc = acc_dtype(x.dtype());
  BceInputs in{x.to(acc), y.to(acc), Tensor()};
  if (pos_weight.defined()) {
    detail::common_device(op, {&x, &pos_weight});
    require_floating(op, "pos_weight", pos_weight);
    NIMBUS_CHECK_T(ShapeError, broadcast_shapes(pos_weight.shape(), x.shape(), op) == x.shape(), op,
                   ": pos_weight of shape ", shape_str(pos_weight.shape()), " does not broadcast to the input's shape ",
                   shape_str(x.shape()));
    in.pos_weight = pos_weight.to(acc).expand(x.shape());
  } else {
    in.pos_weight = scalar_tensor(1.0, {acc, x.device()}).expand(x.shape());
  }
  return in;
}

}  // namespace

Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& y, Reduction reduction,
                                        const Tensor& pos_weight) {
  const char* op = "binary_cross_entropy_with_logits";
  const BceInputs in = bce_inputs(op, x, y, pos_weight);
  Tensor l = empty(x.shape(), {in.x.dtype(), x.device()});
  if (l.numel() > 0) NIMBUS_KERNEL(x.device(), bce_with_logits, op)(l, in.x, in.y, in.pos_weight);
  return reduce_loss(l, reduction, scalar_tensor(x.numel(), {DType::i64, x.device()}), x.dtype());
}

Tensor binary_cross_entropy_with_logits_backward(const Tensor& grad_out, const Tensor& x, const Tensor& y,
                                                 Reduction reduction, const Tensor& pos_weight) {
  const char* op = "binary_cross_entropy_with_logits_backward";
  const BceInputs in = bce_inputs(op, x, y, pos_weight);
  detail::common_device(op, {&grad_out, &x});
  const Tensor count = scalar_tensor(x.numel(), {DType::i64, x.device()});
  const Tensor scale = element_scale(op, grad_out, x.shape(), reduction, count, in.x.dtype()).expand(x.shape());
  Tensor grad = empty(x.shape(), {in.x.dtype(), x.device()});
  if (grad.numel() > 0) NIMBUS_KERNEL(x.device(), bce_with_logits_backward, op)(grad, scale, in.x, in.y, in.pos_weight);
  return grad.to(x.dtype());
}

}  // namespace nimbus
