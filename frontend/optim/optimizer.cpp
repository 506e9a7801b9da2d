#include "frontend/optim/optimizer.h"

#include <cmath>

#include "kernels/multi_tensor_optimizer_ops.h"
#include "kernels/ops.h"

namespace nimbus::optim {

Optimizer::Optimizer(std::vector<Variable> params, double lr) : params_(std::move(params)), state_(params_.size()) {
  set_lr(lr);
  for (size_t i = 0; i < params_.size(); ++i)
    NIMBUS_CHECK(params_[i].defined() && params_[i].requires_grad(), "optimizer: parameter ", i,
                 " does not require grad");
}

void Optimizer::set_lr(double lr) {
  NIMBUS_CHECK_T(ConfigError, std::isfinite(lr) && lr >= 0, "optimizer: learning rate must be >= 0, got ", lr);
  lr_ = lr;
}

void Optimizer::zero_grad() {
  for (Variable& p : params_) p.zero_grad();
}

Tensor Optimizer::state(size_t param, const std::string& name) {
  for (auto& [key, t] : state_[param])
    if (key == name) return t;
  state_[param].emplace_back(name, zeros_like(params_[param].data()));
  return state_[param].back().second;
}

nn::StateDict Optimizer::state_dict() const {
  nn::StateDict out;
  out.emplace_back("step", scalar_tensor(steps_, DType::i64));
  for (size_t i = 0; i < state_.size(); ++i)
    for (const auto& [name, t] : state_[i]) out.emplace_back(std::to_string(i) + "." + name, t);
  return out;
}

void Optimizer::load_state_dict(const nn::StateDict& saved) {
  for (const auto& [key, value] : saved) {
    if (key == "step") {
      steps_ = value.item<int64_t>();
      continue;
    }
    const size_t dot = key.find('.');
    NIMBUS_CHECK_T(ConfigError, dot != std::string::npos, "optimizer state: unexpected key '", key, "'");
    size_t index = 0;
    try {
      index = std::stoul(key.substr(0, dot));
    } catch (const std::exception&) {
      NIMBUS_THROW(ConfigError, "optimizer state: unexpected key '", key, "'");
    }
    NIMBUS_CHECK_T(ConfigError, index < params_.size(), "optimizer state: key '", key, "' names parameter ", index,
                   " of ", params_.size());
    NIMBUS_CHECK_T(ShapeError, value.shape() == params_[index].shape(), "optimizer state: '", key, "' has shape ",
                   shape_str(value.shape()), ", parameter ", index, " has ", shape_str(params_[index].shape()));
    state(index, key.substr(dot + 1)).copy_(value);
  }
}

SGD::SGD(std::vector<Variable> params, SgdOptions options) : Optimizer(std::move(params), options.lr), options_(options) {
  NIMBUS_CHECK_T(ConfigError, options.momentum >= 0 && options.weight_decay >= 0, "SGD: momentum and weight_decay ",
                 "must be >= 0");
  NIMBUS_CHECK_T(ConfigError, !options.nesterov || (options.momentum > 0 && options.dampening == 0),
                 "SGD: Nesterov momentum needs momentum > 0 and dampening 0");
}

void SGD::step() {
  autograd::NoGradGuard no_grad;
  functors::SgdHyper hyper{lr_, options_.momentum, options_.dampening, options_.weight_decay, options_.nesterov,
                           steps_ == 0};
  // All parameters in one call: on CUDA, with the switch on, one launch covers many of them (Note
  // [Multi-tensor optimizer steps] in kernels/multi_tensor_chunks.h); otherwise one kernel each.
  std::vector<Tensor> params, grads, buffers;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].grad().defined()) continue;
    params.push_back(params_[i].data());
    grads.push_back(params_[i].grad());
    if (options_.momentum != 0) buffers.push_back(state(i, "momentum_buffer"));
  }
  sgd_step_many_(params, grads, buffers, hyper);
  ++steps_;
}

Adam::Adam(std::vector<Variable> params, AdamOptions options) : Optimizer(std::move(params), options.lr), options_(options) {
  NIMBUS_CHECK_T(ConfigError, options.beta1 >= 0 && options.beta1 < 1 && options.beta2 >= 0 && options.beta2 < 1,
                 "Adam: betas must be in [0, 1), got ", options.beta1, ", ", options.beta2);
  NIMBUS_CHECK_T(ConfigError, options.eps >= 0 && options.weight_decay >= 0, "Adam: eps and weight_decay must be >= 0");
}

void Adam::step() {
  autograd::NoGradGuard no_grad;
  ++steps_;
  const functors::AdamHyper hyper{lr_,           options_.beta1, options_.beta2, options_.eps, options_.weight_decay,
                                  options_.decoupled_weight_decay, steps_};
  // All parameters in one call, as in SGD::step.
  std::vector<Tensor> params, grads, exp_avgs, exp_avg_sqs;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].grad().defined()) continue;
    params.push_back(params_[i].data());
    grads.push_back(params_[i].grad());
    exp_avgs.push_back(state(i, "exp_avg"));
    exp_avg_sqs.push_back(state(i, "exp_avg_sq"));
  }
  adam_step_many_(params, grads, exp_avgs, exp_avg_sqs, hyper);
}

AdamOptions adamw_options(double lr, double weight_decay) {
  AdamOptions options;
  options.lr = lr;
  options.weight_decay = weight_decay;
  options.decoupled_weight_decay = true;
  return options;
}

double clip_grad_norm(const std::vector<Variable>& params, double max_norm) {
  NIMBUS_CHECK_T(ConfigError, max_norm > 0, "clip_grad_norm: max_norm must be positive, got ", max_norm);
  autograd::NoGradGuard no_grad;
  double total = 0;
  for (const Variable& p : params) {
    if (!p.grad().defined()) continue;
    const double n = norm(p.grad().to(DType::f64)).item<double>();
    total += n * n;
  }
  total = std::sqrt(total);
  if (total > max_norm) {
    const double scale = max_norm / (total + 1e-6);
    // Out of place: two leaves may hold the same gradient buffer (add's backward hands one
    // tensor to both inputs), and an in-place scale would reach that buffer twice.
    for (Variable p : params)
      if (p.grad().defined()) p.set_grad(mul(p.grad(), scale));
  }
  return total;
}

}  // namespace nimbus::optim
