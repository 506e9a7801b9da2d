// Public embedding_backward and dropout: validation, layout, dispatch.
#include "kernels/dispatch.h"
#include "kernels/nn_ops.h"
#include "kernels/op_utils.h"
#include "kernels/ops.h"

namespace nimbus {

Tensor embedding_backward(const Tensor& grad_out, const Tensor& indices, int64_t num_weights, int64_t padding_idx) {
  const char* op = "embedding_backward";
  const Device device = detail::common_device(op, {&grad_out, &indices});
  NIMBUS_CHECK_T(DTypeError, is_floating(grad_out.dtype()), op, ": grad_out must have a floating dtype, got ",
                 dtype_name(grad_out.dtype()));
  NIMBUS_CHECK_T(DTypeError, is_integral(indices.dtype()), op, ": indices must be an integer tensor, got ",
                 dtype_name(indices.dtype()));
  NIMBUS_CHECK_T(ShapeError, num_weights >= 0, op, ": num_weights must be non-negative, got ", num_weights);
  Shape expected = indices.shape();
  const bool has_dim = grad_out.dim() == indices.dim() + 1;
  if (has_dim) expected.push_back(grad_out.size(-1));
  NIMBUS_CHECK_T(ShapeError, has_dim && grad_out.shape() == expected, op, ": grad_out of shape ",
                 shape_str(grad_out.shape()), " must be the indices' shape ", shape_str(indices.shape()),
                 " followed by the embedding dim");
  const int64_t dim = grad_out.size(-1), n = indices.numel();
  const Tensor index = indices.to(DType::i64).contiguous().reshape({n});
  // Range-check where the indices live, once, so the kernels may trust them.
  const Tensor host = index.device().is_cpu() ? index : index.to(Device::cpu());
  const int64_t* p = host.data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    NIMBUS_CHECK_T(ShapeError, p[i] >= 0 && p[i] < num_weights, op, ": index ", p[i], " is out of range for ",
                   num_weights, " embeddings");
  Tensor grad_weight = empty({num_weights, dim}, {grad_out.dtype(), device});
  if (grad_weight.numel() == 0) return grad_weight;
  NIMBUS_KERNEL(device, embedding_backward, op)
  (grad_weight, grad_out.contiguous().reshape({n, dim}), index, padding_idx);
  return grad_weight;
}

namespace {

void check_p(const char* op, double p) {
  NIMBUS_CHECK(p >= 0 && p <= 1, op, ": dropout probability must be in [0, 1], got ", p);
}

// 1 / (1 - p), and 0 for p = 1 where everything is dropped (PyTorch returns zeros, not nan).
double keep_scale(double p) { return p >= 1 ? 0.0 : 1.0 / (1.0 - p); }

}  // namespace

DropoutResult dropout(const Tensor& x, double p, Generator& gen, bool train) {
  const Device device = detail::common_device("dropout", {&x});
  NIMBUS_CHECK_T(DTypeError, is_floating(x.dtype()), "dropout: expected a floating dtype, got ", dtype_name(x.dtype()),
                 " (input of shape ", shape_str(x.shape()), ")");
  check_p("dropout", p);
  if (!train) return {x, ones(x.shape(), {DType::boolean, device})};
  DropoutResult r{empty(x.shape(), {x.dtype(), device}), empty(x.shape(), {DType::boolean, device})};
  // One generator call per dropout, taken even for an empty input, so later calls do not shift.
  const uint64_t seed = gen.seed(), call = gen.next_call();
  if (x.numel() == 0) return r;
  NIMBUS_KERNEL(device, dropout, "dropout")(r.output, r.mask, x.contiguous(), p, keep_scale(p), seed, call);
  return r;
}

Tensor dropout_backward(const Tensor& grad_out, const Tensor& mask, double p) {
  const char* op = "dropout_backward";
  detail::common_device(op, {&grad_out, &mask});
  check_p(op, p);
  NIMBUS_CHECK_T(ShapeError, grad_out.shape() == mask.shape(), op, ": grad_out has shape ",
                 shape_str(grad_out.shape()), ", the mask has shape ", shape_str(mask.shape()));
  NIMBUS_CHECK_T(DTypeError, mask.dtype() == DType::boolean, op, ": mask must be bool, got ", dtype_name(mask.dtype()));
  NIMBUS_CHECK_T(DTypeError, is_floating(grad_out.dtype()), op, ": grad_out must have a floating dtype, got ",
                 dtype_name(grad_out.dtype()));
  // grad * mask is exact; the scale rounds once.
  return mul(mul(grad_out, mask.to(grad_out.dtype())), Scalar(keep_scale(p)));
}

}  // namespace nimbus
