// Public indexing and shaping ops: validation, index range checks, dispatch.
//
// Index tensors are converted to contiguous i64 and range-checked here, once, so every backend's
// kernel may trust them. cat, stack and split need no kernel: they are copies into (or views of)
// narrowed slices, and one_hot is a broadcast comparison with arange.
#include <algorithm>
#include <utility>

#include "kernels/dispatch.h"
#include "kernels/op_utils.h"
#include "kernels/ops.h"

namespace nimbus {

namespace {

// The index as a contiguous i64 tensor; integer dtypes only (bool is a mask, not an index).
Tensor to_index(const char* op, const Tensor& index) {
  NIMBUS_CHECK_T(DTypeError, is_integral(index.dtype()), op, ": index must be an integer tensor (i32, i64 or u8), got ",
                 dtype_name(index.dtype()));
  return index.to(DType::i64).contiguous();
}

// Smallest and largest value of a contiguous i64 tensor (numel > 0). The indices are read where
// they live on the host; from another device they are copied over once.
std::pair<int64_t, int64_t> index_bounds(const Tensor& index) {
  const Tensor host = index.device().is_cpu() ? index : index.to(Device::cpu());
  const int64_t* p = host.data<int64_t>();
  const int64_t n = host.numel();
  // A plain min/max pass vectorizes; the offending value is looked up only on failure.
  int64_t lo = p[0], hi = p[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, p[i]);
    hi = std::max(hi, p[i]);
  }
  return {lo, hi};
}

// Throws ShapeError naming the first index outside [0, size).
void check_index_range(const char* op, const Tensor& index, int64_t size, int dim) {
  if (index.numel() == 0) return;
  const auto [lo, hi] = index_bounds(index);
  if (lo >= 0 && hi < size) return;
  const Tensor host = index.device().is_cpu() ? index : index.to(Device::cpu());
  const int64_t* p = host.data<int64_t>();
  for (int64_t i = 0; i < host.numel(); ++i) {
    NIMBUS_CHECK_T(ShapeError, p[i] >= 0 && p[i] < size, op, ": index ", p[i], " is out of range for dim ", dim,
                   " of size ", size);
  }
}

// A 0-d tensor takes part in dim-wise ops as a 1-element 1-d one.
Tensor as_1d_if_scalar(const Tensor& t) { return t.dim() == 0 ? t.reshape({1}) : t; }

}  // namespace

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  const Device device = detail::common_device("index_select", {&x, &index});
  NIMBUS_CHECK_T(ShapeError, index.dim() <= 1, "index_select: index must be 0-d or 1-d, got shape ",
                 shape_str(index.shape()));
  const int d = normalize_dim(dim, x.dim(), "index_select");
  if (x.dim() == 0) {
    // As PyTorch: selecting from a scalar takes exactly one index and gives a scalar.
    NIMBUS_CHECK_T(ShapeError, index.numel() == 1, "index_select: selecting from a 0-d tensor takes one index, got ",
                   index.numel());
    return index_select(x.reshape({1}), 0, index).reshape({});
  }
  const Tensor idx = to_index("index_select", index).reshape({-1});
  check_index_range("index_select", idx, x.shape()[d], d);
  Shape shape = x.shape();
  shape[d] = idx.numel();
  Tensor out = empty(shape, {x.dtype(), device});
  if (out.numel() > 0) NIMBUS_KERNEL(device, index_select, "index_select")(out, x, d, idx);
  return out;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  const Device device = detail::common_device("gather", {&x, &index});
  NIMBUS_CHECK_T(ShapeError, x.dim() == index.dim(), "gather: index ", shape_str(index.shape()),
                 " must have as many dims as x ", shape_str(x.shape()));
  const int d = normalize_dim(dim, x.dim(), "gather");
  const Tensor in = as_1d_if_scalar(x);
  const Tensor idx = as_1d_if_scalar(to_index("gather", index));
  for (int64_t k = 0; k < in.dim(); ++k) {
    NIMBUS_CHECK_T(ShapeError, k == d || idx.shape()[k] <= in.shape()[k], "gather: index ", shape_str(index.shape()),
                   " is larger than x ", shape_str(x.shape()), " at dim ", k);
  }
  check_index_range("gather", idx, in.shape()[d], d);
  Tensor out = empty(idx.shape(), {x.dtype(), device});
  if (out.numel() > 0) NIMBUS_KERNEL(device, gather, "gather")(out, in, d, idx);
  return out.reshape(index.shape());
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  const Device device = detail::common_device("scatter_add", {&x, &index, &src});
  NIMBUS_CHECK_T(ShapeError, x.dim() == index.dim() && x.dim() == src.dim(), "scatter_add: x ", shape_str(x.shape()),
                 ", index ", shape_str(index.shape()), " and src ", shape_str(src.shape()),
                 " must have the same number of dims");
  NIMBUS_CHECK_T(DTypeError, x.dtype() == src.dtype(), "scatter_add: src is ", dtype_name(src.dtype()), ", x is ",
                 dtype_name(x.dtype()), "; they must match");
  const int d = normalize_dim(dim, x.dim(), "scatter_add");
  const Tensor idx = as_1d_if_scalar(to_index("scatter_add", index));
  Tensor source = as_1d_if_scalar(src);
  const Shape xs = as_1d_if_scalar(x).shape();
  for (int64_t k = 0; k < idx.dim(); ++k) {
    NIMBUS_CHECK_T(ShapeError, idx.shape()[k] <= source.shape()[k] && (k == d || idx.shape()[k] <= xs[k]),
                   "scatter_add: index ", shape_str(index.shape()), " is larger than src ", shape_str(src.shape()),
                   " or x ", shape_str(x.shape()), " at dim ", k);
    // Only the leading part of src that index covers takes part.
    source = source.narrow(k, 0, idx.shape()[k]);
  }
  check_index_range("scatter_add", idx, xs[d], d);
  Tensor out = x.clone();
  if (idx.numel() > 0) NIMBUS_KERNEL(device, scatter_add, "scatter_add")(as_1d_if_scalar(out), d, idx, source);
  return out;
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  const Device device = detail::common_device("masked_select", {&x, &mask});
  NIMBUS_CHECK_T(DTypeError, mask.dtype() == DType::boolean, "masked_select: mask must be a bool tensor, got ",
                 dtype_name(mask.dtype()));
  const Shape shape = broadcast_shapes(x.shape(), mask.shape(), "masked_select");
  return NIMBUS_KERNEL(device, masked_select, "masked_select")(x.expand(shape), mask.expand(shape));
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  NIMBUS_CHECK_T(ShapeError, !tensors.empty(), "cat: expected a non-empty list of tensors");
  const Tensor& first = tensors[0];
  const Device device = detail::common_device("cat", {&first});
  NIMBUS_CHECK_T(ShapeError, first.dim() > 0, "cat: tensor 0 is 0-d and cannot be concatenated");
  const int d = normalize_dim(dim, first.dim(), "cat");
  DType dtype = first.dtype();
  Shape shape = first.shape();
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    detail::common_device("cat", {&first, &t});
    NIMBUS_CHECK_T(ShapeError, t.dim() == first.dim(), "cat: tensor ", i, " has shape ", shape_str(t.shape()),
                   ", expected ", first.dim(), " dims like tensor 0 ", shape_str(first.shape()));
    for (int k = 0; k < t.dim(); ++k) {
      NIMBUS_CHECK_T(ShapeError, k == d || t.shape()[k] == first.shape()[k], "cat: tensor ", i, " has shape ",
                     shape_str(t.shape()), ", expected size ", first.shape()[k], " at dim ", k, " like tensor 0 ",
                     shape_str(first.shape()));
    }
    shape[d] += t.shape()[d];
    dtype = promote_types(dtype, t.dtype());
  }
  Tensor out = empty(shape, {dtype, device});
  int64_t at = 0;
  for (const Tensor& t : tensors) {
    const int64_t n = t.shape()[d];
    if (n > 0) out.narrow(d, at, n).copy_(t);  // copy_ converts to the promoted dtype
    at += n;
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  NIMBUS_CHECK_T(ShapeError, !tensors.empty(), "stack: expected a non-empty list of tensors");
  const Tensor& first = tensors[0];
  const int d = normalize_dim(dim, first.dim() + 1, "stack");
  std::vector<Tensor> expanded;
  expanded.reserve(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    detail::common_device("stack", {&first, &t});
    NIMBUS_CHECK_T(ShapeError, t.shape() == first.shape(), "stack: tensor ", i, " has shape ", shape_str(t.shape()),
                   ", expected ", shape_str(first.shape()), " like tensor 0");
    expanded.push_back(t.unsqueeze(d));
  }
  return cat(expanded, d);
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  detail::common_device("split", {&x});
  NIMBUS_CHECK_T(ShapeError, x.dim() > 0, "split: cannot split a 0-d tensor");
  NIMBUS_CHECK_T(ShapeError, split_size > 0, "split: split_size must be positive, got ", split_size);
  const int d = normalize_dim(dim, x.dim(), "split");
  const int64_t n = x.shape()[d];
  if (n == 0) return {x};  // as PyTorch: an empty dim gives one empty piece
  std::vector<Tensor> pieces;
  pieces.reserve(static_cast<size_t>((n + split_size - 1) / split_size));
  for (int64_t at = 0; at < n; at += split_size) pieces.push_back(x.narrow(d, at, std::min(split_size, n - at)));
  return pieces;
}

Tensor one_hot(const Tensor& index, int64_t num_classes) {
  const Device device = detail::common_device("one_hot", {&index});
  NIMBUS_CHECK_T(DTypeError, is_integral(index.dtype()), "one_hot: index must be an integer tensor, got ",
                 dtype_name(index.dtype()));
  NIMBUS_CHECK_T(ShapeError, num_classes >= -1, "one_hot: num_classes must be -1 (infer) or non-negative, got ",
                 num_classes);
  const Tensor idx = index.to(DType::i64).contiguous();
  if (idx.numel() == 0) {
    NIMBUS_CHECK_T(ShapeError, num_classes >= 0, "one_hot: cannot infer num_classes from an empty index");
  } else {
    const auto [lo, hi] = index_bounds(idx);
    NIMBUS_CHECK_T(ShapeError, lo >= 0, "one_hot: class values must be non-negative, got ", lo);
    if (num_classes == -1) num_classes = hi + 1;
    NIMBUS_CHECK_T(ShapeError, hi < num_classes, "one_hot: class value ", hi, " is out of range for num_classes ",
                   num_classes);
  }
  // One broadcast comparison: [..., 1] == [C] gives [..., C].
  return eq(idx.unsqueeze(-1), arange(num_classes, {DType::i64, device})).to(DType::i64);
}

}  // namespace nimbus
