#pragma once
// Module: the base of every layer and model. It owns named parameters (Variables that require
// grad), named buffers (state that is saved but not trained, e.g. running statistics) and named
// submodules, and gives them PyTorch's dotted names ("block.0.weight") so that state dicts load
// across the two. Subclasses register what they own in their constructor and implement forward.
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "frontend/autograd/variable.h"

namespace nimbus::nn {

using autograd::Variable;
// Name -> tensor, in registration order (the order parameters are listed and saved).
using StateDict = std::vector<std::pair<std::string, Tensor>>;

class NIMBUS_API Module {
 public:
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Variable forward(const Variable& input) = 0;
  Variable operator()(const Variable& input) { return forward(input); }

  // Every parameter of this module and its submodules, with dotted names.
  std::vector<std::pair<std::string, Variable>> named_parameters() const;
  std::vector<Variable> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  // Puts `values` into the parameter slots, one per parameter in the order of parameters(); layers
  // read their slots at every forward, so the next forward computes with `values`. Mixed-precision
  // training (models/runner/mixed_precision.h) puts low-precision casts of the f32 parameters there
  // for one step, then the f32 ones back.
  void set_parameters(const std::vector<Variable>& values);
  // For each parameter, in the order of parameters(): whether its layer computes in f32 whatever
  // its input's dtype (batch norm), so mixed-precision training leaves it f32.
  std::vector<bool> f32_parameters() const;

  // Parameters and buffers, by name (PyTorch's layout: Linear.weight is [out, in]).
  StateDict state_dict() const;
  // Copies values in. Strict: every key must be present and known, with matching shapes; all
  // problems are reported together, naming the keys and shapes. Dtypes convert to the module's.
  void load_state_dict(const StateDict& state, bool strict = true);

  // Training mode (dropout active, batch norm updating its statistics) or evaluation mode.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Moves parameters and buffers to `device` (gradients are dropped).
  void to(Device device);
  void zero_grad();

 protected:
  Module() = default;
  // Layers that compute in f32 for 16-bit inputs say so (see f32_parameters).
  virtual bool computes_in_f32() const { return false; }
  Variable& register_parameter(std::string name, Tensor value);
  Tensor& register_buffer(std::string name, Tensor value);
  template <typename M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    submodules_.emplace_back(std::move(name), module);
    return module;
  }
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& submodules() const { return submodules_; }

 private:
  void collect_parameters(const std::string& prefix, std::vector<std::pair<std::string, Variable>>& out) const;
  void collect_buffers(const std::string& prefix, std::vector<std::pair<std::string, Tensor*>>& out);
  void assign_parameters(const std::vector<Variable>& values, size_t& next);
  void collect_buffers(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out) const;
  void collect_f32_flags(std::vector<bool>& out) const;

  // Registration order is kept (it is the order of parameters() and of saved files). A deque never
  // moves its elements when one is added, so the references register_* returns stay valid.
  std::deque<std::pair<std::string, Variable>> parameters_;
  std::deque<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> submodules_;
  bool training_ = true;
};

}  // namespace nimbus::nn
