#pragma once
// Basic layers: Linear, activations, Flatten, Sequential. Parameter names and layouts match
// PyTorch's (Linear.weight is [out_features, in_features]), so state dicts load across.
#include <initializer_list>
#include <memory>
#include <vector>

#include "frontend/nn/module.h"
#include "runtime/random.h"

namespace nimbus::nn {

struct LinearOptions {
  bool bias = true;
  DType dtype = DType::f32;
  Device device = Device::cpu();
};

// y = x W^T + b. Initialised as PyTorch does: W and b uniform in +-1/sqrt(in_features).
class NIMBUS_API Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, Generator& gen, LinearOptions options = {});
  Variable forward(const Variable& x) override;
  Variable& weight() { return weight_; }
  Variable* bias() { return bias_; }

 private:
  int64_t in_features_, out_features_;
  Variable& weight_;
  Variable* bias_ = nullptr;
};

class NIMBUS_API ReLU : public Module {
 public:
  Variable forward(const Variable& x) override;
};
class NIMBUS_API Tanh : public Module {
 public:
  Variable forward(const Variable& x) override;
};
class NIMBUS_API Sigmoid : public Module {
 public:
  Variable forward(const Variable& x) override;
};
// Exact GELU, or the tanh approximation when `tanh_approximation`.
class NIMBUS_API GELU : public Module {
 public:
  explicit GELU(bool tanh_approximation = false) : tanh_(tanh_approximation) {}
  Variable forward(const Variable& x) override;

 private:
  bool tanh_;
};
class NIMBUS_API SiLU : public Module {
 public:
  Variable forward(const Variable& x) override;
};

// Flattens every dim from `start_dim` on into one.
class NIMBUS_API Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1) : start_dim_(start_dim) {}
  Variable forward(const Variable& x) override;

 private:
  int64_t start_dim_;
};

// Runs its modules in order; they are named "0", "1", ... as in PyTorch.
class NIMBUS_API Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules);
  void push_back(std::shared_ptr<Module> module);
  Variable forward(const Variable& x) override;
  size_t size() const { return submodules().size(); }
};

}  // namespace nimbus::nn
