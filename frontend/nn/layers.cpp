#include "frontend/nn/layers.h"

#include <cmath>

#include "frontend/autograd/functions.h"
#include "frontend/nn/init.h"

namespace nimbus::nn {

namespace {
int64_t checked_features(int64_t in_features, int64_t out_features) {
  NIMBUS_CHECK_T(ShapeError, in_features > 0 && out_features > 0, "Linear: features must be positive, got in=",
                 in_features, " out=", out_features);
  return in_features;
}
}  // namespace

Linear::Linear(int64_t in_features, int64_t out_features, Generator& gen, LinearOptions options)
    : in_features_(checked_features(in_features, out_features)),
      out_features_(out_features),
      weight_(register_parameter(
          "weight", init::kaiming_uniform({out_features, in_features}, in_features,
                                          1.0 / std::sqrt(3.0), {options.dtype, options.device}, gen))) {
  if (options.bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    bias_ = &register_parameter("bias", init::uniform({out_features}, -bound, bound, {options.dtype, options.device}, gen));
  }
}

Variable Linear::forward(const Variable& x) {
  NIMBUS_CHECK_T(ShapeError, x.dim() >= 1 && x.size(-1) == in_features_, "Linear(", in_features_, ", ",
                 out_features_, "): input of shape ", shape_str(x.shape()), " does not end in ", in_features_,
                 " features");
  return autograd::linear(x, weight_, bias_ ? *bias_ : Variable());
}

Variable ReLU::forward(const Variable& x) { return autograd::relu(x); }
Variable Tanh::forward(const Variable& x) { return autograd::tanh(x); }
Variable Sigmoid::forward(const Variable& x) { return autograd::sigmoid(x); }
Variable GELU::forward(const Variable& x) { return tanh_ ? autograd::gelu_tanh(x) : autograd::gelu(x); }
Variable SiLU::forward(const Variable& x) { return autograd::silu(x); }

Variable Flatten::forward(const Variable& x) {
  const int d = normalize_dim(start_dim_, std::max<int64_t>(x.dim(), 1), "Flatten");
  Shape shape(x.shape().begin(), x.shape().begin() + std::min<int64_t>(d, x.dim()));
  shape.push_back(-1);
  return autograd::reshape(x, shape);
}

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  NIMBUS_CHECK(module != nullptr, "Sequential: null module");
  register_module(std::to_string(size()), std::move(module));
}

Variable Sequential::forward(const Variable& x) {
  Variable h = x;
  for (const auto& [name, m] : submodules()) h = m->forward(h);
  return h;
}

}  // namespace nimbus::nn
