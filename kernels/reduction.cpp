// Public reductions: validation, result dtypes and shapes, dispatch. Semantics follow PyTorch:
// empty `dims` means all dims; sums of integers and bools give i64, floating sums keep the dtype;
// mean, var, std and norm need a floating dtype; amax, amin, argmax and argmin refuse to reduce
// zero elements (they have no identity); a 0-d tensor reduces to itself.
#include <cmath>

#include "kernels/dispatch.h"
#include "kernels/op_utils.h"
#include "kernels/ops.h"

namespace nimbus {

namespace {

void require_floating(const char* op, const Tensor& x) {
  NIMBUS_CHECK_T(DTypeError, is_floating(x.dtype()), op, ": expected a floating dtype, got ", dtype_name(x.dtype()),
                 " (input of shape ", shape_str(x.shape()), "); convert with .to(DType::f32) first");
}

// Refuses to reduce a dim of size 0 for ops without an identity.
void require_nonempty(const char* op, const Tensor& x, const std::vector<int>& dims) {
  for (int d : dims)
    NIMBUS_CHECK_T(ShapeError, x.size(d) != 0, op, ": cannot reduce over dim ", d, " of size 0 (input of shape ",
                   shape_str(x.shape()), "): the operation has no identity");
}

// Allocates the keepdim-shaped result of reducing `x` over `dims` (checked, normalized), runs the
// kernel, and drops the reduced dims unless keepdim.
Tensor reduce(ReduceOp op, const char* name, Device device, const Tensor& x, std::vector<int> dims, bool keepdim,
              DType out_dtype, const ReduceArgs& args = {}) {
  if (x.dim() == 0) {  // one element: reduce it as a 1-element vector, and return 0-d
    Tensor out = empty({1}, {out_dtype, device});
    NIMBUS_KERNEL(device, reduce, name)(op, out, x.reshape({1}), {0}, args);
    return out.view({});
  }
  Tensor out = empty(detail::reduced_shape(x.shape(), dims, true), {out_dtype, device});
  NIMBUS_KERNEL(device, reduce, name)(op, out, x, dims, args);
  return keepdim ? out : out.view(detail::reduced_shape(x.shape(), dims, false));
}

Tensor extreme(ReduceOp op, const char* name, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const Device device = detail::common_device(name, {&x});
  const std::vector<int> rdims = detail::reduction_dims(dims, x.dim(), name);
  require_nonempty(name, x, rdims);
  return reduce(op, name, device, x, rdims, keepdim, x.dtype());
}

Tensor arg_reduce(bool is_max, const char* name, const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  const Device device = detail::common_device(name, {&x});
  NIMBUS_CHECK_T(DTypeError, x.dtype() != DType::boolean, name, ": not defined for bool tensors (input of shape ",
                 shape_str(x.shape()), ")");
  if (!dim || x.dim() == 0) {
    if (dim) normalize_dim(*dim, 0, name);  // a 0-d tensor accepts dim 0 or -1
    NIMBUS_CHECK_T(ShapeError, x.numel() > 0, name, ": cannot take the index of the ", is_max ? "maximum" : "minimum",
                   " of an empty tensor (input of shape ", shape_str(x.shape()), ")");
    Tensor out = empty({1}, {DType::i64, device});
    NIMBUS_KERNEL(device, arg_reduce, name)(is_max, out, x.reshape({-1}), 0);
    // Without a dim the flattened tensor is reduced; keepdim keeps every dim as size 1.
    return out.view(keepdim ? Shape(static_cast<size_t>(x.dim()), 1) : Shape{});
  }
  const int d = normalize_dim(*dim, x.dim(), name);
  require_nonempty(name, x, {d});
  Tensor out = empty(detail::reduced_shape(x.shape(), {d}, true), {DType::i64, device});
  NIMBUS_KERNEL(device, arg_reduce, name)(is_max, out, x, d);
  return keepdim ? out : out.view(detail::reduced_shape(x.shape(), {d}, false));
}

Tensor variance(const char* name, const Tensor& x, const std::vector<int64_t>& dims, int64_t correction,
                bool keepdim) {
  const Device device = detail::common_device(name, {&x});
  require_floating(name, x);
  NIMBUS_CHECK(correction >= 0, name, ": correction must be non-negative, got ", correction);
  ReduceArgs args;
  args.correction = correction;
  return reduce(ReduceOp::var, name, device, x, detail::reduction_dims(dims, x.dim(), name), keepdim, x.dtype(), args);
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const Device device = detail::common_device("sum", {&x});
  const DType out_dtype = is_floating(x.dtype()) ? x.dtype() : DType::i64;
  return reduce(ReduceOp::sum, "sum", device, x, detail::reduction_dims(dims, x.dim(), "sum"), keepdim, out_dtype);
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const Device device = detail::common_device("mean", {&x});
  require_floating("mean", x);
  return reduce(ReduceOp::mean, "mean", device, x, detail::reduction_dims(dims, x.dim(), "mean"), keepdim, x.dtype());
}

Tensor amax(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme(ReduceOp::amax, "amax", x, dims, keepdim);
}
Tensor amin(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme(ReduceOp::amin, "amin", x, dims, keepdim);
}

Tensor var(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim) {
  return variance("var", x, dims, correction, keepdim);
}

Tensor std(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim) {
  return sqrt(variance("std", x, dims, correction, keepdim));
}

Tensor norm(const Tensor& x, double p, const std::vector<int64_t>& dims, bool keepdim) {
  const Device device = detail::common_device("norm", {&x});
  require_floating("norm", x);
  NIMBUS_CHECK(!std::isnan(p), "norm: p must be a number, got nan");
  const std::vector<int> rdims = detail::reduction_dims(dims, x.dim(), "norm");
  // As PyTorch: norms with p < 0 or p = inf have no identity, so zero elements are refused.
  if (p < 0 || std::isinf(p)) require_nonempty("norm", x, rdims);
  ReduceArgs args;
  args.p = p;
  return reduce(ReduceOp::norm, "norm", device, x, rdims, keepdim, x.dtype(), args);
}

Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_reduce(true, "argmax", x, dim, keepdim);
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_reduce(false, "argmin", x, dim, keepdim);
}

Tensor cumsum(const Tensor& x, int64_t dim) {
  const Device device = detail::common_device("cumsum", {&x});
  const int d = normalize_dim(dim, x.dim(), "cumsum");
  const DType out_dtype = is_floating(x.dtype()) ? x.dtype() : DType::i64;
  if (x.dim() == 0) {
    Tensor out = empty({1}, {out_dtype, device});
    NIMBUS_KERNEL(device, cumsum, "cumsum")(out, x.reshape({1}), 0);
    return out.view({});
  }
  Tensor out = empty(x.shape(), {out_dtype, device});
  NIMBUS_KERNEL(device, cumsum, "cumsum")(out, x, d);
  return out;
}

}  // namespace nimbus
