#pragma once
// The one way an op joins the tape: when gradients are enabled and an input needs one, wrap the
// result in a Variable whose Node holds the inputs and the backward closure `make_backward()`
// returns; otherwise return a plain (leaf) result and never build the closure.
#include <memory>
#include <utility>
#include <vector>

#include "frontend/autograd/variable.h"

namespace nimbus::autograd::detail {

template <typename MakeBackward>
Variable record(const char* name, Tensor result, std::vector<Variable> inputs, MakeBackward make_backward) {
  bool any = false;
  for (const Variable& v : inputs) any = any || (v.defined() && v.requires_grad());
  if (!grad_enabled() || !any) return Variable(std::move(result));
  return Variable::from_op(std::move(result), std::make_shared<Node>(name, std::move(inputs), make_backward()));
}

}  // namespace nimbus::autograd::detail
