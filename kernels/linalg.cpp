// Public linear-algebra ops: matmul with NumPy semantics, linear.
#include "kernels/dispatch.h"
#include "kernels/op_utils.h"
#include "kernels/ops.h"

namespace nimbus {

namespace {
Shape batch_part(const Shape& s) { return Shape(s.begin(), s.end() - 2); }
}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  const Device device = detail::common_device("matmul", {&a_in, &b_in});
  NIMBUS_CHECK_T(ShapeError, a_in.dim() >= 1 && b_in.dim() >= 1, "matmul: operands must have at least 1 dim, got ",
                 shape_str(a_in.shape()), " x ", shape_str(b_in.shape()));
  const DType dtype = promote_types(a_in.dtype(), b_in.dtype());
  NIMBUS_CHECK_T(DTypeError, dtype != DType::boolean && dtype != DType::u8, "matmul: unsupported dtype ",
                 dtype_name(dtype));
  // 1-d operands become a row (left) or a column (right); the added dim is removed at the end.
  const bool a_vector = a_in.dim() == 1, b_vector = b_in.dim() == 1;
  const Tensor a = a_vector ? a_in.to(dtype).unsqueeze(0) : a_in.to(dtype);
  const Tensor b = b_vector ? b_in.to(dtype).unsqueeze(1) : b_in.to(dtype);
  const int64_t m = a.size(-2), k = a.size(-1), k2 = b.size(-2), n = b.size(-1);
  NIMBUS_CHECK_T(ShapeError, k == k2, "matmul: ", shape_str(a_in.shape()), " x ", shape_str(b_in.shape()),
                 ": inner dimensions ", k, " and ", k2, " differ");

  Shape batch;
  Tensor a3, b3;
  if (b.dim() == 2) {
    // [..., M, K] x [K, N]: fold the batch into the rows, one GEMM.
    batch = batch_part(a.shape());
    a3 = a.reshape({1, shape_numel(batch) * m, k});
    b3 = b.unsqueeze(0);
  } else {
    batch = broadcast_shapes(batch_part(a.shape()), batch_part(b.shape()), "matmul");
    Shape a_full = batch, b_full = batch;
    a_full.insert(a_full.end(), {m, k});
    b_full.insert(b_full.end(), {k, n});
    a3 = a.expand(a_full).reshape({shape_numel(batch), m, k});
    b3 = b.expand(b_full).reshape({shape_numel(batch), k, n});
  }
  Tensor out = empty({a3.size(0), a3.size(1), n}, {dtype, device});
  NIMBUS_KERNEL(device, batched_gemm, "matmul")(out, a3, b3);

  Shape out_shape = batch;
  if (!a_vector) out_shape.push_back(m);
  if (!b_vector) out_shape.push_back(n);
  return out.view(out_shape);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  detail::common_device("linear", {&x, &weight});
  NIMBUS_CHECK_T(ShapeError, weight.dim() == 2, "linear: weight must be [out_features, in_features], got ",
                 shape_str(weight.shape()));
  NIMBUS_CHECK_T(ShapeError, x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input ", shape_str(x.shape()),
                 " has ", x.dim() ? x.size(-1) : 0, " features, weight ", shape_str(weight.shape()), " expects ",
                 weight.size(1));
  Tensor y = matmul(x, weight.t());
  if (!bias.defined()) return y;
  NIMBUS_CHECK_T(ShapeError, bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias ",
                 shape_str(bias.shape()), " does not match ", weight.size(0), " output features");
  return add(y, bias);
}

}  // namespace nimbus
