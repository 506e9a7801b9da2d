// Backward closures for the reductions and scans. A reduction's gradient is computed at the
// output's shape with the reduced dims kept as size 1, so it broadcasts against the input.
#include "frontend/autograd/reduction_functions.h"
#include "frontend/autograd/record.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/ops.h"

namespace nimbus::autograd {

using detail::checked_dim;
using detail::record;

namespace {

// What a reduction's backward needs to know about the dims it reduced.
struct Reduced {
  std::vector<int64_t> dims;  // normalized, sorted, without repeats; empty for a 0-d input
  Shape kept_shape;           // the output's shape with keepdim: the reduced dims as size 1
  int64_t count = 1;          // input elements behind each output element
};

Reduced reduced_over(const char* op, const Variable& x, const std::vector<int64_t>& dims) {
  Reduced r;
  if (dims.empty()) {
    for (int64_t d = 0; d < x.dim(); ++d) r.dims.push_back(d);
  } else {
    for (int64_t d : dims) r.dims.push_back(checked_dim(op, x, d));
    std::sort(r.dims.begin(), r.dims.end());
    r.dims.erase(std::unique(r.dims.begin(), r.dims.end()), r.dims.end());
  }
  if (x.dim() == 0) r.dims.clear();  // one element: nothing to reduce
  r.kept_shape = x.shape();
  for (int64_t d : r.dims) {
    r.count *= x.size(d);
    r.kept_shape[d] = 1;
  }
  return r;
}

// An output-shaped tensor (the gradient, or the result itself) with the reduced dims as size 1.
Tensor kept(const Tensor& t, const Reduced& r) { return t.reshape(r.kept_shape); }

Tensor zero_scalar(const Tensor& like) { return zeros({}, {like.dtype(), like.device()}); }

Tensor sign_of(const Tensor& v) {
  const Tensor zero = zero_scalar(v);
  return nimbus::sub(nimbus::gt(v, zero).to(v.dtype()), nimbus::lt(v, zero).to(v.dtype()));
}

// The gradient each of the k elements that hit the extreme receives: grad / k, at the kept shape.
Tensor share_per_tie(const Tensor& g_kept, const Tensor& hits, const Reduced& r) {
  return nimbus::div(g_kept, nimbus::sum(hits.to(g_kept.dtype()), r.dims, /*keepdim=*/true));
}

Variable extreme(const char* name, bool is_max, const Variable& x, const std::vector<int64_t>& dims, bool keepdim) {
  const Reduced r = reduced_over(name, x, dims);
  Tensor out = is_max ? nimbus::amax(x.data(), dims, keepdim) : nimbus::amin(x.data(), dims, keepdim);
  return record(name, out, {x}, [&] {
    SavedTensor sx(x.data()), so(out);
    return [sx, so, r, name](const Tensor& g) {
      const Tensor& xv = sx.get(name);
      const Tensor hits = nimbus::eq(xv, kept(so.get(name), r));
      // (grad / k) * mask rather than a select: as PyTorch, a NaN extreme (no element equals it)
      // gives NaN gradients to its whole slice instead of silently dropping the gradient.
      const Tensor grad = nimbus::mul(share_per_tie(kept(g, r), hits, r), hits.to(g.dtype()));
      return std::vector<Tensor>{grad.to(xv.dtype())};
    };
  });
}

// d var / dx = 2 (x - mean) / (N - correction). With N - correction <= 0 the forward is nan or inf
// and PyTorch's formula is kept as is: an infinite (N = correction) or negative scale.
Tensor variance_grad(const Tensor& g_kept, const Tensor& x, const Reduced& r, int64_t correction) {
  const int64_t dof = r.count - correction;
  const double scale = dof == 0 ? std::numeric_limits<double>::infinity() : 2.0 / static_cast<double>(dof);
  return nimbus::mul(nimbus::mul(g_kept, scale), nimbus::sub(x, nimbus::mean(x, r.dims, /*keepdim=*/true)));
}

// The norm's gradient at the kept shape. Cases as PyTorch's norm_backward.
Tensor norm_grad(const Tensor& g_kept, const Tensor& x, const Tensor& norm_kept, double p, const Reduced& r) {
  // p = 0 counts the non-zero elements: piecewise constant.
  if (p == 0.0) return zeros_like(x);
  // |x| summed: sign(x), with 0 at x = 0.
  if (p == 1.0) return nimbus::mul(sign_of(x), g_kept);
  const Tensor zero = zero_scalar(x);
  // x / ||x||; a zero norm has every direction as a subgradient and PyTorch takes 0.
  if (p == 2.0) return nimbus::mul(x, nimbus::where(nimbus::eq(norm_kept, zero), zero, nimbus::div(g_kept, norm_kept)));
  // The largest (p = inf) or smallest (p = -inf) magnitude: split among ties like amax, with the
  // sign of each element. A NaN norm matches no element and gives 0, as PyTorch.
  if (std::isinf(p)) {
    const Tensor hits = nimbus::eq(nimbus::abs(x), norm_kept);
    return nimbus::mul(sign_of(x), nimbus::where(hits, share_per_tie(g_kept, hits, r), zero));
  }
  // Any other p: sign(x) |x|^(p-1) / ||x||^(p-1). The first factor is 0 at x = 0 for p > 1 and
  // unbounded for p < 1, where PyTorch takes 0; a zero norm gives 0 as for p = 2.
  const Tensor scaled_x =
      nimbus::where(nimbus::eq(x, zero), zero, nimbus::mul(sign_of(x), nimbus::pow(nimbus::abs(x), p - 1)));
  const Tensor scale =
      nimbus::where(nimbus::eq(norm_kept, zero), zero, nimbus::div(g_kept, nimbus::pow(norm_kept, p - 1)));
  return nimbus::mul(scaled_x, scale);
}

// `t` reversed along dim `d` (an index_select: views have no negative strides).
Tensor flipped(const Tensor& t, int64_t d) {
  return nimbus::index_select(t, d, arange(t.size(d) - 1, -1, -1, {DType::i64, t.device()}));
}

}  // namespace

Variable amax(const Variable& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme("amax", true, x, dims, keepdim);
}

Variable amin(const Variable& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme("amin", false, x, dims, keepdim);
}

Variable var(const Variable& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim) {
  const Reduced r = reduced_over("var", x, dims);
  return record("var", nimbus::var(x.data(), dims, correction, keepdim), {x}, [&] {
    SavedTensor sx(x.data());
    return [sx, r, correction](const Tensor& g) {
      const Tensor& xv = sx.get("var");
      return std::vector<Tensor>{variance_grad(kept(g, r), xv, r, correction).to(xv.dtype())};
    };
  });
}

Variable std(const Variable& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim) {
  const Reduced r = reduced_over("std", x, dims);
  Tensor out = nimbus::std(x.data(), dims, correction, keepdim);
  return record("std", out, {x}, [&] {
    SavedTensor sx(x.data()), so(out);
    return [sx, so, r, correction](const Tensor& g) {
      const Tensor& xv = sx.get("std");
      const Tensor s = kept(so.get("std"), r);
      // d std = d var / (2 std). At std = 0 (all reduced elements equal) std is not differentiable;
      // as PyTorch the gradient is 0 there, not inf or nan. With N - correction <= 0 std is nan or
      // inf and the gradient nan, as PyTorch.
      const Tensor zero = zero_scalar(s);
      const Tensor g_var = nimbus::where(nimbus::eq(s, zero), zero, nimbus::div(kept(g, r), nimbus::mul(s, 2.0)));
      return std::vector<Tensor>{variance_grad(g_var, xv, r, correction).to(xv.dtype())};
    };
  });
}

Variable norm(const Variable& x, double p, const std::vector<int64_t>& dims, bool keepdim) {
  const Reduced r = reduced_over("norm", x, dims);
  Tensor out = nimbus::norm(x.data(), p, dims, keepdim);
  return record("norm", out, {x}, [&] {
    SavedTensor sx(x.data()), so(out);
    return [sx, so, r, p](const Tensor& g) {
      const Tensor& xv = sx.get("norm");
      return std::vector<Tensor>{norm_grad(kept(g, r), xv, kept(so.get("norm"), r), p, r).to(xv.dtype())};
    };
  });
}

Variable cumsum(const Variable& x, int64_t dim) {
  const int64_t d = checked_dim("cumsum", x, dim);
  return record("cumsum", nimbus::cumsum(x.data(), d), {x}, [&] {
    const DType dtype = x.dtype();
    return [d, dtype](const Tensor& g) {
      // Output j sums inputs 0..j, so input i collects the gradients of outputs i..n-1.
      if (g.dim() == 0 || g.numel() == 0) return std::vector<Tensor>{g.to(dtype)};
      return std::vector<Tensor>{flipped(nimbus::cumsum(flipped(g, d), d), d).to(dtype)};
    };
  });
}

}  // namespace nimbus::autograd
