// Public linear-algebra ops: matmul with NumPy semantics, linear.
#include "kernels/dispatch.h"
#include "kernels/op_utils.h"
#include "kernels/ops.h"

namespace nimbus {

namespace {
Shape batch_part(const Shape& s) { return Shape(s.begin(), s.end() - 2); }

// The batched GEMM that computes matmul(a, b): 3-d operands [B, M, K] x [B, K, N], and the shape
// the [B, M, N] result is viewed as.
struct MatmulPlan {
  Device device = Device::cpu();
  DType dtype = DType::f32;
  Tensor a3, b3;
  Shape out_shape;
};

MatmulPlan plan_matmul(const Tensor& a_in, const Tensor& b_in) {
  MatmulPlan p;
  p.device = detail::common_device("matmul", {&a_in, &b_in});
  NIMBUS_CHECK_T(ShapeError, a_in.dim() >= 1 && b_in.dim() >= 1, "matmul: operands must have at least 1 dim, got ",
                 shape_str(a_in.shape()), " x ", shape_str(b_in.shape()));
  p.dtype = promote_types(a_in.dtype(), b_in.dtype());
  NIMBUS_CHECK_T(DTypeError, p.dtype != DType::boolean && p.dtype != DType::u8, "matmul: unsupported dtype ",
                 dtype_name(p.dtype));
  // 1-d operands become a row (left) or a column (right); the added dim is removed at the end.
  const bool a_vector = a_in.dim() == 1, b_vector = b_in.dim() == 1;
  const Tensor a = a_vector ? a_in.to(p.dtype).unsqueeze(0) : a_in.to(p.dtype);
  const Tensor b = b_vector ? b_in.to(p.dtype).unsqueeze(1) : b_in.to(p.dtype);
  const int64_t m = a.size(-2), k = a.size(-1), k2 = b.size(-2), n = b.size(-1);
  NIMBUS_CHECK_T(ShapeError, k == k2, "matmul: ", shape_str(a_in.shape()), " x ", shape_str(b_in.shape()),
                 ": inner dimensions ", k, " and ", k2, " differ");

  Shape batch;
  if (b.dim() == 2) {
    // [..., M, K] x [K, N]: fold the batch into the rows, one GEMM.
    batch = batch_part(a.shape());
    p.a3 = a.reshape({1, shape_numel(batch) * m, k});
    p.b3 = b.unsqueeze(0);
  } else {
    batch = broadcast_shapes(batch_part(a.shape()), batch_part(b.shape()), "matmul");
    Shape a_full = batch, b_full = batch;
    a_full.insert(a_full.end(), {m, k});
    b_full.insert(b_full.end(), {k, n});
    p.a3 = a.expand(a_full).reshape({shape_numel(batch), m, k});
    p.b3 = b.expand(b_full).reshape({shape_numel(batch), k, n});
  }
  p.out_shape = batch;
  if (!a_vector) p.out_shape.push_back(m);
  if (!b_vector) p.out_shape.push_back(n);
  return p;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  const MatmulPlan p = plan_matmul(a, b);
  Tensor out = empty({p.a3.size(0), p.a3.size(1), p.b3.size(2)}, {p.dtype, p.device});
  NIMBUS_KERNEL(p.device, batched_gemm, "matmul")(out, p.a3, p.b3, /*accumulate=*/false);
  return out.view(p.out_shape);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  detail::common_device("linear", {&x, &weight});
  NIMBUS_CHECK_T(ShapeError, weight.dim() == 2, "linear: weight must be [out_features, in_features], got ",
                 shape_str(weight.shape()));
  NIMBUS_CHECK_T(ShapeError, x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input ", shape_str(x.shape()),
                 " has ", x.dim() ? x.size(-1) : 0, " features, weight ", shape_str(weight.shape()), " expects ",
                 weight.size(1));
  if (!bias.defined()) return matmul(x, weight.t());
  NIMBUS_CHECK_T(ShapeError, bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias ",
                 shape_str(bias.shape()), " does not match ", weight.size(0), " output features");
  detail::common_device("linear", {&x, &weight, &bias});
  const MatmulPlan p = plan_matmul(x, weight.t());
  if (promote_types(p.dtype, bias.dtype()) != p.dtype) return add(matmul(x, weight.t()), bias);
  const Shape rows = {p.a3.size(0), p.a3.size(1), p.b3.size(2)};
  // A backend that adds the bias inside its GEMM (CUDA's cuBLASLt epilogue, Note [cuBLASLt
  // epilogues]) writes the output once.
  if (const auto fused = kernels_for(p.device).batched_gemm_bias) {
    Tensor out = empty(rows, {p.dtype, p.device});
    fused(out, p.a3, p.b3, bias.to(p.dtype).contiguous());
    return out.view(p.out_shape);
  }
  // Otherwise the bias is written into the output and the GEMM adds the product to it: one pass
  // over the output instead of two (BLAS would otherwise zero it first), and no second buffer.
  // (clone, not contiguous: with a single row the expanded bias already counts as contiguous, and
  // the product must not land in the bias itself.)
  Tensor out = bias.to(p.dtype).expand(rows).clone();
  NIMBUS_KERNEL(p.device, batched_gemm, "linear")(out, p.a3, p.b3, /*accumulate=*/true);
  return out.view(p.out_shape);
}

}  // namespace nimbus
