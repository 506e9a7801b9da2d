// The tape: Variables, Nodes, the backward walk. See Note [Autograd tape] in variable.h.
#include "frontend/autograd/variable.h"

#include <unordered_map>
#include <unordered_set>

#include "kernels/ops.h"

namespace nimbus::autograd {

namespace {
thread_local bool grad_mode = true;

void require(const Variable& v, const char* what) {
  NIMBUS_CHECK(v.defined(), "Variable::", what, ": undefined variable");
}
}  // namespace

Variable::Variable(Tensor data, bool requires_grad) : impl_(std::make_shared<Impl>()) {
  NIMBUS_CHECK(data.defined(), "Variable: undefined tensor");
  impl_->data = std::move(data);
  set_requires_grad(requires_grad);
}

Variable Variable::from_op(Tensor data, std::shared_ptr<Node> node) {
  Variable v(std::move(data));
  v.impl_->requires_grad = true;
  v.impl_->grad_fn = std::move(node);
  return v;
}

const Tensor& Variable::data() const {
  require(*this, "data");
  return impl_->data;
}
const Tensor& Variable::grad() const {
  require(*this, "grad");
  return impl_->grad;
}
void Variable::zero_grad() {
  require(*this, "zero_grad");
  impl_->grad = Tensor();
}
void Variable::set_grad(Tensor grad) {
  require(*this, "set_grad");
  if (grad.defined())
    NIMBUS_CHECK_T(ShapeError, grad.shape() == impl_->data.shape(), "set_grad: gradient of shape ",
                   shape_str(grad.shape()), " for a variable of shape ", shape_str(impl_->data.shape()));
  impl_->grad = std::move(grad);
}
bool Variable::requires_grad() const { return impl_ && impl_->requires_grad; }
void Variable::set_requires_grad(bool requires_grad) {
  require(*this, "set_requires_grad");
  NIMBUS_CHECK(!requires_grad || is_floating(impl_->data.dtype()), "requires_grad: only floating tensors have ",
               "gradients, got ", dtype_name(impl_->data.dtype()));
  NIMBUS_CHECK(is_leaf(), "requires_grad: cannot change it on a non-leaf variable; use detach()");
  impl_->requires_grad = requires_grad;
}
bool Variable::is_leaf() const { return impl_ && !impl_->grad_fn; }
const std::shared_ptr<Node>& Variable::grad_fn() const {
  require(*this, "grad_fn");
  return impl_->grad_fn;
}
Variable Variable::detach() const { return Variable(data(), false); }

const Tensor& SavedTensor::get(const char* op) const {
  NIMBUS_CHECK(tensor_.defined(), op, ": a tensor saved for backward was already freed; pass retain_graph=true to ",
               "backward() to run it more than once");
  const uint64_t now = tensor_.buffer().version();
  NIMBUS_CHECK(now == version_, op, ": a tensor of shape ", shape_str(tensor_.shape()),
               " saved for backward was modified in place after it was saved (version ", version_, " then, ", now,
               " now); clone() it before writing to it");
  return tensor_;
}

Node::Node(std::string name, std::vector<Variable> inputs, BackwardFn backward)
    : name_(std::move(name)), inputs_(std::move(inputs)), backward_(std::move(backward)) {}

std::vector<Tensor> Node::apply(const Tensor& grad_output) {
  NIMBUS_CHECK(backward_, name_, ": backward through this part of the graph ran already and its saved tensors ",
               "were freed; pass retain_graph=true to the first backward() to run it again");
  std::vector<Tensor> grads = backward_(grad_output);
  NIMBUS_CHECK(grads.size() == inputs_.size(), name_, ": backward returned ", grads.size(), " gradients for ",
               inputs_.size(), " inputs");
  return grads;
}

Node::~Node() {
  // A long chain (x -> node -> input -> node ...) would be destroyed recursively and could overflow
  // the stack; unlink it iteratively instead, taking over nodes that nobody else holds.
  std::vector<std::shared_ptr<Node>> orphans;
  auto unlink = [&orphans](Node& node) {
    node.backward_ = nullptr;  // its captures hold inputs too
    for (Variable& input : node.inputs_) {
      if (input.impl_ && input.impl_.use_count() == 1 && input.impl_->grad_fn.use_count() == 1)
        orphans.push_back(std::move(input.impl_->grad_fn));
    }
    node.inputs_.clear();
  };
  unlink(*this);
  while (!orphans.empty()) {
    std::shared_ptr<Node> node = std::move(orphans.back());
    orphans.pop_back();
    unlink(*node);  // `node` is then destroyed with nothing left to recurse into
  }
}

void Node::release() { backward_ = nullptr; }

bool grad_enabled() { return grad_mode; }
NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

bool needs_grad(std::initializer_list<const Variable*> inputs) {
  if (!grad_mode) return false;
  for (const Variable* v : inputs)
    if (v->defined() && v->requires_grad()) return true;
  return false;
}

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  NIMBUS_CHECK_T(ShapeError, lead >= 0, "sum_to: cannot reduce ", shape_str(grad.shape()), " to ", shape_str(shape));
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < grad.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && grad.size(d) != 1)) dims.push_back(d);
  Tensor reduced = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return reduced.reshape(shape);
}

namespace {

// Nodes reachable from `root`, each after every node that consumes its output.
std::vector<Node*> topological_order(Node* root) {
  std::vector<Node*> post_order;
  std::unordered_set<Node*> seen{root};
  // Iterative depth-first search: deep graphs (long sequences) must not overflow the stack.
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs().size()) {
      const Variable& input = node->inputs()[next++];
      Node* child = input.defined() && input.grad_fn() ? input.grad_fn().get() : nullptr;
      if (child && seen.insert(child).second) stack.emplace_back(child, 0);
    } else {
      post_order.push_back(node);
      stack.pop_back();
    }
  }
  return {post_order.rbegin(), post_order.rend()};
}

void accumulate(Tensor& slot, const Tensor& grad) { slot = slot.defined() ? add(slot, grad) : grad; }

}  // namespace

void Variable::backward(const Tensor& seed, bool retain_graph) const {
  require(*this, "backward");
  NIMBUS_CHECK(requires_grad(), "backward: the variable does not require grad (no input required it, or it was ",
               "computed under NoGradGuard)");
  Tensor grad = seed;
  if (!grad.defined()) {
    NIMBUS_CHECK_T(ShapeError, data().numel() == 1, "backward: a seed gradient is required for an output of shape ",
                   shape_str(shape()), " (only one-element outputs default to 1)");
    grad = ones(shape(), {dtype(), device()});
  }
  NIMBUS_CHECK_T(ShapeError, grad.shape() == shape(), "backward: seed of shape ", shape_str(grad.shape()),
                 " for an output of shape ", shape_str(shape()));
  NoGradGuard no_grad;  // gradients are plain tensors: backward itself records nothing
  if (is_leaf()) {
    accumulate(impl_->grad, grad.to(dtype()));
    return;
  }
  std::unordered_map<Node*, Tensor> pending{{impl_->grad_fn.get(), grad}};
  for (Node* node : topological_order(impl_->grad_fn.get())) {
    const auto it = pending.find(node);
    if (it == pending.end()) continue;  // no gradient reached it
    const Tensor grad_output = std::move(it->second);
    pending.erase(it);
    const std::vector<Tensor> grads = node->apply(grad_output);
    for (size_t i = 0; i < grads.size(); ++i) {
      const Variable& input = node->inputs()[i];
      if (!grads[i].defined() || !input.defined() || !input.requires_grad()) continue;
      NIMBUS_CHECK_T(ShapeError, grads[i].shape() == input.shape(), node->name(), ": backward gave a gradient of shape ",
                     shape_str(grads[i].shape()), " for input ", i, " of shape ", shape_str(input.shape()));
      if (input.is_leaf()) accumulate(input.impl_->grad, grads[i].contiguous());  // no broadcast views in .grad
      else accumulate(pending[input.grad_fn().get()], grads[i]);
    }
    if (!retain_graph) node->release();
  }
}

}  // namespace nimbus::autograd
