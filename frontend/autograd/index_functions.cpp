// Backward closures for the index-style ops: the adjoint of a scatter is a gather at the same
// indices, and the adjoint of a selection is a scatter into zeros.
#include "frontend/autograd/index_functions.h"
#include "frontend/autograd/record.h"

#include <algorithm>

#include "kernels/ops.h"

namespace nimbus::autograd {

using detail::checked_dim;
using detail::record;

namespace {

// src's gradient in a scatter_add: the output's gradient read back where each src element was
// added. Elements of src beyond index's shape took no part and get 0.
Tensor gathered_for_src(const Tensor& g, int64_t dim, const Tensor& index, const Shape& src_shape) {
  const Tensor picked = nimbus::gather(g, dim, index);
  if (picked.shape() == src_shape) return picked;
  Tensor grad = zeros(src_shape, {g.dtype(), g.device()});
  Tensor covered = grad;
  for (int64_t k = 0; k < index.dim(); ++k) covered = covered.narrow(k, 0, index.size(k));
  covered.copy_(picked);
  return grad;
}

// For each element masked_select returns, its row-major position in the broadcast shape of x and
// mask: selecting from 0, 1, 2, ... picks the positions in the order the forward read the values.
Tensor selected_positions(const Shape& shape, const Tensor& mask, Device device) {
  const Tensor positions = arange(shape_numel(shape), {DType::i64, device}).view(shape);
  return nimbus::masked_select(positions, mask);
}

}  // namespace

Variable scatter_add(const Variable& x, int64_t dim, const Tensor& index, const Variable& src) {
  const int64_t d = checked_dim("scatter_add", x, dim);
  Tensor out = nimbus::scatter_add(x.data(), d, index, src.data());
  return record("scatter_add", out, {x, src}, [&] {
    SavedTensor saved_index(index.to(DType::i64));
    const Shape src_shape = src.shape();
    const DType x_dtype = x.dtype(), src_dtype = src.dtype();
    return [saved_index, src_shape, d, x_dtype, src_dtype](const Tensor& g) {
      const Tensor& idx = saved_index.get("scatter_add");
      return std::vector<Tensor>{g.to(x_dtype), gathered_for_src(g, d, idx, src_shape).to(src_dtype)};
    };
  });
}

Variable masked_select(const Variable& x, const Tensor& mask) {
  Tensor out = nimbus::masked_select(x.data(), mask);
  return record("masked_select", out, {x}, [&] {
    // The positions are computed once, at the forward, so a later in-place change of the mask
    // cannot change which elements the gradient goes to.
    const Shape shape = broadcast_shapes(x.shape(), mask.shape(), "masked_select");
    SavedTensor saved_positions(selected_positions(shape, mask, x.device()));
    const Shape x_shape = x.shape();
    const DType x_dtype = x.dtype();
    return [saved_positions, shape, x_shape, x_dtype](const Tensor& g) {
      const Tensor flat = zeros({shape_numel(shape)}, {g.dtype(), g.device()});
      const Tensor spread = nimbus::scatter_add(flat, 0, saved_positions.get("masked_select"), g).view(shape);
      return std::vector<Tensor>{sum_to(spread, x_shape).to(x_dtype)};
    };
  });
}

}  // namespace nimbus::autograd
