#pragma once
// Note [Autograd tape]
// A Variable holds a tensor, its gradient, and (when it was computed by a differentiable op while
// gradients were enabled) the Node that made it. A Node keeps the op's backward function, the
// tensors it saved, and its input Variables. The graph is built as ops run (a dynamic tape);
// `backward()` orders the nodes reachable from the output once (depth-first, reverse post-order),
// then walks them, passing each node the sum of the gradients that reached its output. Leaf
// Variables that require grad accumulate into `grad()`. After a backward the graph's saved tensors
// are freed unless `retain_graph` is set; walking a freed node again is a clear error.
//
// Saved tensors remember their buffer's version (Buffer::version). If the tensor was written in
// place after it was saved, the backward that needs it raises an error instead of computing a wrong
// gradient.
//
// Gradients have the data's shape and dtype; ops that broadcast reduce the gradient back to each
// input's shape. Everything here is single-threaded per graph; different graphs may run in
// different threads (the grad mode is per thread).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/tensor.h"

namespace nimbus::autograd {

class Node;

class NIMBUS_API Variable {
 public:
  Variable() = default;
  // A leaf. `requires_grad` asks for its gradient to be accumulated by backward().
  explicit Variable(Tensor data, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& data() const;
  // The accumulated gradient, or an undefined Tensor before any backward reached this leaf.
  const Tensor& grad() const;
  void zero_grad();
  void set_grad(Tensor grad);
  bool requires_grad() const;
  void set_requires_grad(bool requires_grad);
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;

  // Backpropagates from this variable. `seed` defaults to ones for a one-element output; any
  // other output needs an explicit seed of its shape.
  void backward(const Tensor& seed = Tensor(), bool retain_graph = false) const;
  // The same data, cut from the graph.
  Variable detach() const;

  // Shorthands for the data.
  const Shape& shape() const { return data().shape(); }
  DType dtype() const { return data().dtype(); }
  Device device() const { return data().device(); }
  int64_t dim() const { return data().dim(); }
  int64_t size(int64_t d) const { return data().size(d); }

  // Used by ops: a non-leaf result of `node`.
  static Variable from_op(Tensor data, std::shared_ptr<Node> node);
  bool same_as(const Variable& other) const { return impl_ == other.impl_; }

 private:
  struct Impl {
    Tensor data;
    Tensor grad;
    bool requires_grad = false;
    std::shared_ptr<Node> grad_fn;
  };
  std::shared_ptr<Impl> impl_;
  friend class Node;
};

// A tensor an op keeps for its backward, with the buffer version it had then.
class NIMBUS_API SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(Tensor t) : tensor_(std::move(t)), version_(tensor_.buffer().version()) {}
  // The tensor, after checking it was not modified in place since it was saved.
  const Tensor& get(const char* op) const;
  void reset() { tensor_ = Tensor(); }

 private:
  Tensor tensor_;
  uint64_t version_ = 0;
};

// Maps the gradient of a node's output to the gradients of its inputs (one per input, undefined
// when an input needs none).
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

class NIMBUS_API Node {
 public:
  Node(std::string name, std::vector<Variable> inputs, BackwardFn backward);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  const std::string& name() const { return name_; }
  const std::vector<Variable>& inputs() const { return inputs_; }
  std::vector<Tensor> apply(const Tensor& grad_output);
  // Frees the backward function (and with it the saved tensors) after a backward.
  void release();
  bool released() const { return !backward_; }

 private:
  std::string name_;
  std::vector<Variable> inputs_;
  BackwardFn backward_;
};

// Whether ops record the graph (per thread; on by default).
NIMBUS_API bool grad_enabled();
// Turns recording off for a scope (inference, optimizer updates).
class NIMBUS_API NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// True when an op on these inputs must record a node.
NIMBUS_API bool needs_grad(std::initializer_list<const Variable*> inputs);

// Sums `grad` over the dims that broadcasting added or expanded, so it has `shape`.
NIMBUS_API Tensor sum_to(const Tensor& grad, const Shape& shape);

}  // namespace nimbus::autograd
