#include "frontend/autograd/shape_functions.h"
#include "frontend/autograd/record.h"

#include <numeric>

#include "kernels/ops.h"

namespace nimbus::autograd {

using detail::record;

namespace {
// A zero gradient of x's shape with `g` written into the part `view_of` selects.
template <typename ViewOf>
Tensor scatter_into_zeros(const Variable& x, const Tensor& g, const ViewOf& view_of) {
  Tensor grad = zeros(x.shape(), {g.dtype(), g.device()});
  view_of(grad).copy_(g);
  return grad;
}
}  // namespace

Variable slice(const Variable& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  return record("slice", x.data().slice(dim, start, end, step), {x}, [=] {
    return [=](const Tensor& g) {
      return std::vector<Tensor>{scatter_into_zeros(x, g, [&](const Tensor& t) { return t.slice(dim, start, end, step); })};
    };
  });
}

Variable narrow(const Variable& x, int64_t dim, int64_t start, int64_t length) {
  return record("narrow", x.data().narrow(dim, start, length), {x}, [=] {
    return [=](const Tensor& g) {
      return std::vector<Tensor>{scatter_into_zeros(x, g, [&](const Tensor& t) { return t.narrow(dim, start, length); })};
    };
  });
}

Variable select(const Variable& x, int64_t dim, int64_t index) {
  return record("select", x.data().select(dim, index), {x}, [=] {
    return [=](const Tensor& g) {
      return std::vector<Tensor>{scatter_into_zeros(x, g, [&](const Tensor& t) { return t.select(dim, index); })};
    };
  });
}

Variable permute(const Variable& x, const std::vector<int64_t>& dims) {
  Tensor out = x.data().permute(dims);
  std::vector<int64_t> inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[normalize_dim(dims[i], x.dim(), "permute")] = static_cast<int64_t>(i);
  return record("permute", out, {x}, [=] {
    return [=](const Tensor& g) { return std::vector<Tensor>{g.permute(inverse)}; };
  });
}

Variable unsqueeze(const Variable& x, int64_t dim) {
  return record("unsqueeze", x.data().unsqueeze(dim), {x}, [=] {
    return [=](const Tensor& g) { return std::vector<Tensor>{g.reshape(x.shape())}; };
  });
}

Variable squeeze(const Variable& x, int64_t dim) {
  return record("squeeze", x.data().squeeze(dim), {x}, [=] {
    return [=](const Tensor& g) { return std::vector<Tensor>{g.reshape(x.shape())}; };
  });
}

Variable expand(const Variable& x, const Shape& shape) {
  return record("expand", x.data().expand(shape), {x}, [=] {
    return [=](const Tensor& g) { return std::vector<Tensor>{sum_to(g, x.shape())}; };
  });
}

Variable cat(const std::vector<Variable>& xs, int64_t dim) {
  std::vector<Tensor> data;
  for (const Variable& x : xs) data.push_back(x.data());
  Tensor out = nimbus::cat(data, dim);
  const int d = normalize_dim(dim, out.dim(), "cat");
  return record("cat", out, xs, [&] {
    std::vector<int64_t> sizes;
    for (const Tensor& t : data) sizes.push_back(t.size(d));
    return [=](const Tensor& g) {
      std::vector<Tensor> grads;
      int64_t start = 0;
      for (int64_t size : sizes) {
        grads.push_back(g.narrow(d, start, size).contiguous());
        start += size;
      }
      return grads;
    };
  });
}

Variable stack(const std::vector<Variable>& xs, int64_t dim) {
  NIMBUS_CHECK_T(ShapeError, !xs.empty(), "stack: no tensors");
  const int d = normalize_dim(dim, xs.front().dim() + 1, "stack");
  std::vector<Variable> expanded;
  for (const Variable& x : xs) expanded.push_back(unsqueeze(x, d));
  return cat(expanded, d);
}

Variable index_select(const Variable& x, int64_t dim, const Tensor& index) {
  Tensor out = nimbus::index_select(x.data(), dim, index);
  const int d = normalize_dim(dim, x.dim(), "index_select");
  return record("index_select", out, {x}, [&] {
    SavedTensor saved(index.to(DType::i64).reshape({-1}));
    return [=](const Tensor& g) {
      // Scatter-add needs the index in the gradient's shape: along d it is the index, elsewhere broadcast.
      Shape view(static_cast<size_t>(g.dim()), 1);
      view[d] = g.size(d);
      const Tensor idx = saved.get("index_select").view(view).expand(g.shape()).contiguous();
      return std::vector<Tensor>{scatter_add(zeros(x.shape(), {g.dtype(), g.device()}), d, idx, g)};
    };
  });
}

Variable gather(const Variable& x, int64_t dim, const Tensor& index) {
  Tensor out = nimbus::gather(x.data(), dim, index);
  return record("gather", out, {x}, [&] {
    SavedTensor saved(index.to(DType::i64));
    return [=](const Tensor& g) {
      return std::vector<Tensor>{scatter_add(zeros(x.shape(), {g.dtype(), g.device()}), dim, saved.get("gather"), g)};
    };
  });
}

}  // namespace nimbus::autograd
