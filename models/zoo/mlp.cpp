// The mlp: flatten, then [Linear -> activation -> Dropout] per hidden width, then a Linear head.
#include <functional>

#include "frontend/autograd/functions.h"
#include "frontend/nn/layers.h"
#include "frontend/nn/normalization.h"
#include "models/zoo/architectures.h"

namespace nimbus::models {

const std::vector<std::string>& mlp_activations() {
  static const std::vector<std::string> names = {"relu", "gelu", "tanh", "silu"};
  return names;
}

namespace detail {
namespace {

using autograd::Variable;
using Activation = std::function<Variable(const Variable&)>;

Activation activation_by_name(const std::string& name) {
  // Exact GELU: torch.nn.GELU()'s default, which the PyTorch twin uses.
  if (name == "gelu") return [](const Variable& x) { return autograd::gelu(x); };
  if (name == "tanh") return [](const Variable& x) { return autograd::tanh(x); };
  if (name == "silu") return [](const Variable& x) { return autograd::silu(x); };
  return [](const Variable& x) { return autograd::relu(x); };
}

class Mlp : public nn::Module {
 public:
  Mlp(const ModelSpec& spec, Generator& init, Generator& dropout) : activation_(activation_by_name(spec.activation)) {
    nn::LinearOptions options;
    options.dtype = spec.dtype;
    int64_t features = shape_numel(spec.input_shape);
    // A Sequential used as a container only, for the names layers.0, layers.1, ...: the
    // activations and dropout between the Linears have no parameters, so they are applied in
    // forward rather than listed (the names then do not depend on them).
    const auto layers = register_module("layers", std::make_shared<nn::Sequential>());
    for (const int64_t width : spec.hidden) {
      hidden_.push_back(std::make_shared<nn::Linear>(features, width, init, options));
      layers->push_back(hidden_.back());
      features = width;
    }
    drop_ = register_module("drop", std::make_shared<nn::Dropout>(spec.dropout, dropout));
    head_ = register_module("head", std::make_shared<nn::Linear>(features, spec.classes, init, options));
  }

  Variable forward(const Variable& x) override {
    NIMBUS_CHECK_T(ShapeError, x.dim() >= 1, "mlp: expected a batch [B, ...], got a scalar");
    Variable h = autograd::reshape(x, {x.size(0), -1});
    for (const auto& layer : hidden_) h = (*drop_)(activation_((*layer)(h)));
    return (*head_)(h);
  }

 private:
  Activation activation_;
  std::vector<std::shared_ptr<nn::Linear>> hidden_;
  std::shared_ptr<nn::Dropout> drop_;
  std::shared_ptr<nn::Linear> head_;
};

}  // namespace

std::shared_ptr<nn::Module> build_mlp(const ModelSpec& spec, Generator& init, Generator& dropout) {
  return std::make_shared<Mlp>(spec, init, dropout);
}

}  // namespace detail
}  // namespace nimbus::models
