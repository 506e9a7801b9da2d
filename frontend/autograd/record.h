#pragma once
// The one way an op joins the tape: when gradients are enabled and an input needs one, wrap the
// result in a Variable whose Node holds the inputs and the backward closure `make_backward()`
// returns; otherwise return a plain (leaf) result and never build the closure.
#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "frontend/autograd/variable.h"
#include "runtime/error.h"

namespace nimbus::autograd::detail {

template <typename MakeBackward>
Variable record(const char* name, Tensor result, std::vector<Variable> inputs, MakeBackward make_backward) {
  bool any = false;
  for (const Variable& v : inputs) any = any || (v.defined() && v.requires_grad());
  if (!grad_enabled() || !any) return Variable(std::move(result));
  return Variable::from_op(std::move(result), std::make_shared<Node>(name, std::move(inputs), make_backward()));
}

// `dim` wrapped into [0, ndim); a 0-d input takes 0 or -1, as PyTorch. The error names the op and
// the input's shape (checked before the kernel runs, whose message gives only the rank).
inline int64_t checked_dim(const char* op, const Variable& x, int64_t dim) {
  const int64_t n = std::max<int64_t>(x.dim(), 1);
  NIMBUS_CHECK_T(ShapeError, dim >= -n && dim < n, op, ": dim ", dim, " is out of range for an input of shape ",
                 shape_str(x.shape()), " (expected ", -n, " to ", n - 1, ")");
  return dim < 0 ? dim + n : dim;
}

}  // namespace nimbus::autograd::detail
