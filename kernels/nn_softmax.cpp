// Public softmax and log_softmax, forward and backward: validation, layout, dispatch.
//
// Operands are made contiguous and seen as [outer, n, inner] around the softmax dim, which is the
// one layout the kernels take (KernelTable::softmax); a 0-d tensor is a row of one element.
#include "kernels/dispatch.h"
#include "kernels/nn_ops.h"
#include "kernels/op_utils.h"

namespace nimbus {

namespace {

struct RowLayout {
  int64_t outer = 1, n = 1, inner = 1;
};

RowLayout layout_around(const Shape& shape, int d) {
  RowLayout l;
  if (shape.empty()) return l;
  for (int i = 0; i < d; ++i) l.outer *= shape[i];
  l.n = shape[d];
  for (size_t i = static_cast<size_t>(d) + 1; i < shape.size(); ++i) l.inner *= shape[i];
  return l;
}

void require_floating(const char* op, const Tensor& x) {
  NIMBUS_CHECK_T(DTypeError, is_floating(x.dtype()), op, ": expected a floating dtype, got ", dtype_name(x.dtype()),
                 " (input of shape ", shape_str(x.shape()), ")");
}

Tensor softmax_forward(bool log, const char* name, const Tensor& x, int64_t dim) {
  const Device device = detail::common_device(name, {&x});
  require_floating(name, x);
  const int d = normalize_dim(dim, x.dim(), name);  // a 0-d tensor accepts 0 and -1
  const RowLayout l = layout_around(x.shape(), d);
  Tensor out = empty(x.shape(), {x.dtype(), device});
  if (x.numel() == 0) return out;
  NIMBUS_KERNEL(device, softmax, name)(log, out, x.contiguous(), l.outer, l.n, l.inner);
  return out;
}

Tensor softmax_grad(bool log, const char* name, const Tensor& grad_out, const Tensor& out, int64_t dim) {
  const Device device = detail::common_device(name, {&grad_out, &out});
  require_floating(name, out);
  NIMBUS_CHECK_T(ShapeError, grad_out.shape() == out.shape(), name, ": grad_out has shape ",
                 shape_str(grad_out.shape()), ", the output has shape ", shape_str(out.shape()));
  NIMBUS_CHECK_T(DTypeError, grad_out.dtype() == out.dtype(), name, ": grad_out is ", dtype_name(grad_out.dtype()),
                 ", the output is ", dtype_name(out.dtype()));
  const int d = normalize_dim(dim, out.dim(), name);
  const RowLayout l = layout_around(out.shape(), d);
  Tensor grad_in = empty(out.shape(), {out.dtype(), device});
  if (out.numel() == 0) return grad_in;
  NIMBUS_KERNEL(device, softmax_backward, name)
  (log, grad_in, grad_out.contiguous(), out.contiguous(), l.outer, l.n, l.inner);
  return grad_in;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_forward(false, "softmax", x, dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_forward(true, "log_softmax", x, dim); }

Tensor softmax_backward(const Tensor& grad_out, const Tensor& out, int64_t dim) {
  return softmax_grad(false, "softmax_backward", grad_out, out, dim);
}
Tensor log_softmax_backward(const Tensor& grad_out, const Tensor& out, int64_t dim) {
  return softmax_grad(true, "log_softmax_backward", grad_out, out, dim);
}

}  // namespace nimbus
