// Public scaled dot-product attention, forward and backward: validation, layout, dispatch.
//
// The kernels take 4-d [B, H, T, d] views whose last stride is 1 and any others, so heads split
// out of a [B, T, H, d] activation by a transpose reach them without a copy. Results are
// allocated with the stride order of the operand they correspond to (Note [Results in the
// operand's layout]). f16 and bf16 compute in f32.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/dispatch.h"
#include "kernels/nn_ops.h"
#include "kernels/op_utils.h"

namespace nimbus {

namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

// Note [Results in the operand's layout]
// The output of attention usually goes straight into a transpose and a reshape that merge the heads
// back ([B, H, T, d] -> [B, T, H*d]). When q is itself such a transposed view, giving the output
// q's stride order makes that merge a view instead of a copy; the same holds for each gradient and
// the operand it belongs to. `like` and `shape` have the same rank.
Tensor empty_in_layout_of(const Tensor& like, const Shape& shape, DType dtype) {
  const int64_t n = static_cast<int64_t>(shape.size());
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  // Outermost first: larger strides first, ties keep the logical order (a contiguous operand
  // gives a contiguous result).
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return like.stride(a) > like.stride(b); });
  Shape strides(static_cast<size_t>(n));
  int64_t step = 1;
  for (int64_t i = n - 1; i >= 0; --i) {
    strides[order[i]] = step;
    step *= std::max<int64_t>(shape[order[i]], 1);
  }
  return empty_strided(shape, strides, {dtype, like.device()});
}

// [..., T, d] as [B, H, T, d] with a unit last stride (a view when the leading dims allow it).
Tensor as_4d(const Tensor& t) {
  Tensor r = t;
  while (r.dim() < 4) r = r.unsqueeze(0);
  if (r.dim() > 4) r = r.reshape({-1, r.size(-3), r.size(-2), r.size(-1)});
  if (r.stride(3) != 1 && r.size(3) > 1) r = r.contiguous();
  return r;
}

DType compute_dtype(DType t) { return t == DType::f64 ? DType::f64 : DType::f32; }

struct Operands {
  Device device = Device::cpu();
  double scale = 1.0;
  Shape lead;  // the common leading dims
};

Operands check_operands(const Tensor& q, const Tensor& k, const Tensor& v, std::optional<double> scale) {
  Operands o;
  o.device = detail::common_device(kOp, {&q, &k, &v});
  NIMBUS_CHECK_T(DTypeError, is_floating(q.dtype()) && k.dtype() == q.dtype() && v.dtype() == q.dtype(), kOp,
                 ": q, k and v must share one floating dtype, got ", dtype_name(q.dtype()), ", ",
                 dtype_name(k.dtype()), ", ", dtype_name(v.dtype()));
  const bool ranks_ok = q.dim() >= 2 && k.dim() == q.dim() && v.dim() == q.dim();
  NIMBUS_CHECK_T(ShapeError,
                 ranks_ok && Shape(q.shape().begin(), q.shape().end() - 2) == Shape(k.shape().begin(), k.shape().end() - 2) &&
                     Shape(k.shape().begin(), k.shape().end() - 2) == Shape(v.shape().begin(), v.shape().end() - 2) &&
                     q.size(-1) == k.size(-1) && k.size(-2) == v.size(-2),
                 kOp, ": expected q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv] with the same leading dims, got q ",
                 shape_str(q.shape()), ", k ", shape_str(k.shape()), ", v ", shape_str(v.shape()));
  o.scale = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(q.size(-1), 1)));
  o.lead = Shape(q.shape().begin(), q.shape().end() - 2);
  return o;
}

Shape with_last_two(Shape lead, int64_t a, int64_t b) {
  lead.push_back(a);
  lead.push_back(b);
  return lead;
}

}  // namespace

bool has_fused_attention(Device device) {
  const KernelTable& table = kernels_for(device);
  return table.attention != nullptr && table.attention_backward != nullptr;
}

AttentionResult scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                             std::optional<double> scale) {
  const Operands o = check_operands(q, k, v, scale);
  const DType dtype = compute_dtype(q.dtype());
  const Tensor q4 = as_4d(q.to(dtype)), k4 = as_4d(k.to(dtype)), v4 = as_4d(v.to(dtype));
  const int64_t tq = q.size(-2), tk = k.size(-2), dv = v.size(-1);
  Tensor out = empty_in_layout_of(q4, {q4.size(0), q4.size(1), tq, dv}, dtype);
  Tensor probs = empty({q4.size(0), q4.size(1), tq, tk}, {dtype, o.device});
  if (out.numel() > 0 || probs.numel() > 0) {
    if (tk == 0) out.fill_(0);  // attending to nothing: an empty sum
    else NIMBUS_KERNEL(o.device, attention, kOp)(out, probs, q4, k4, v4, causal, o.scale);
  }
  return {out.reshape(with_last_two(o.lead, tq, dv)).to(q.dtype()), probs.reshape(with_last_two(o.lead, tq, tk))};
}

AttentionGrads scaled_dot_product_attention_backward(const Tensor& grad_out, const Tensor& q, const Tensor& k,
                                                     const Tensor& v, const Tensor& probs, bool causal,
                                                     std::optional<double> scale) {
  const Operands o = check_operands(q, k, v, scale);
  const int64_t tq = q.size(-2), tk = k.size(-2), dv = v.size(-1);
  NIMBUS_CHECK_T(ShapeError, grad_out.shape() == with_last_two(o.lead, tq, dv), kOp,
                 "_backward: grad_out ", shape_str(grad_out.shape()), " does not match the output ",
                 shape_str(with_last_two(o.lead, tq, dv)));
  NIMBUS_CHECK_T(ShapeError, probs.shape() == with_last_two(o.lead, tq, tk), kOp, "_backward: probs ",
                 shape_str(probs.shape()), " should be ", shape_str(with_last_two(o.lead, tq, tk)));
  const DType dtype = compute_dtype(q.dtype());
  const Tensor q4 = as_4d(q.to(dtype)), k4 = as_4d(k.to(dtype)), v4 = as_4d(v.to(dtype));
  const Tensor g4 = as_4d(grad_out.to(dtype)), p4 = as_4d(probs.to(dtype)).contiguous();
  Tensor gq = empty_in_layout_of(q4, q4.shape(), dtype), gk = empty_in_layout_of(k4, k4.shape(), dtype),
         gv = empty_in_layout_of(v4, v4.shape(), dtype);
  if (tq == 0 || tk == 0) {  // no query or no key: nothing flows back
    gq.fill_(0);
    gk.fill_(0);
    gv.fill_(0);
  } else if (gq.numel() + gk.numel() + gv.numel() > 0) {
    NIMBUS_KERNEL(o.device, attention_backward, kOp)(gq, gk, gv, g4, q4, k4, v4, p4, causal, o.scale);
  }
  return {gq.reshape(q.shape()).to(q.dtype()), gk.reshape(k.shape()).to(k.dtype()),
          gv.reshape(v.shape()).to(v.dtype())};
}

}  // namespace nimbus
