#pragma once
// Optimizers over a model's parameters: SGD (momentum, Nesterov, weight decay), Adam and AdamW.
// Each step hands every parameter to one multi-tensor call (kernels/multi_tensor_optimizer_ops.h):
// one fused kernel per parameter, or on CUDA with NIMBUS_CUDA_MULTI_TENSOR_OPTIMIZER=1 many
// parameters per launch (Note [Multi-tensor optimizer steps]). Parameters without a gradient are
// skipped. State (moments, momentum buffers, the step count) round-trips through
// state_dict() for checkpoints.
#include <string>
#include <utility>
#include <vector>

#include "frontend/autograd/variable.h"
#include "frontend/nn/module.h"

namespace nimbus::optim {

using autograd::Variable;

class NIMBUS_API Optimizer {
 public:
  Optimizer(std::vector<Variable> params, double lr);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual void step() = 0;
  void zero_grad();
  double lr() const { return lr_; }
  void set_lr(double lr);
  int64_t steps() const { return steps_; }
  const std::vector<Variable>& params() const { return params_; }

  // Named state tensors ("<param index>.<name>") plus "step" as a 0-d i64 tensor.
  nn::StateDict state_dict() const;
  void load_state_dict(const nn::StateDict& saved);

 protected:
  // A per-parameter state tensor (a handle to it), created zeroed like the parameter on first use.
  Tensor state(size_t param, const std::string& name);

  std::vector<Variable> params_;
  double lr_;
  int64_t steps_ = 0;

 private:
  std::vector<std::vector<std::pair<std::string, Tensor>>> state_;
};

struct SgdOptions {
  double lr = 0.01, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
};

class NIMBUS_API SGD : public Optimizer {
 public:
  SGD(std::vector<Variable> params, SgdOptions options);
  void step() override;

 private:
  SgdOptions options_;
};

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled_weight_decay = false;  // true: AdamW
};

class NIMBUS_API Adam : public Optimizer {
 public:
  Adam(std::vector<Variable> params, AdamOptions options);
  void step() override;

 private:
  AdamOptions options_;
};

// AdamW: Adam with decoupled weight decay (default 0.01, as PyTorch).
NIMBUS_API AdamOptions adamw_options(double lr = 1e-3, double weight_decay = 0.01);

// Scales every gradient by max_norm / total_norm when the global L2 norm exceeds max_norm;
// returns the norm before clipping.
NIMBUS_API double clip_grad_norm(const std::vector<Variable>& params, double max_norm);

}  // namespace nimbus::optim
