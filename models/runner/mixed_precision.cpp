#include "models/runner/mixed_precision.h"

#include "frontend/autograd/functions.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace nimbus::models {

const std::vector<std::string>& precision_names() {
  static const std::vector<std::string> names = {"fp32", "bf16", "fp16"};
  return names;
}

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  if (name == "fp16") return Precision::fp16;
  NIMBUS_THROW(ConfigError, "precision: expected one of fp32, bf16, fp16, got '", name, "'");
}

DType compute_dtype(Precision precision) {
  switch (precision) {
    case Precision::bf16: return DType::bf16;
    case Precision::fp16: return DType::f16;
    case Precision::fp32: break;
  }
  return DType::f32;
}

LowPrecisionParameters::LowPrecisionParameters(nn::Module& model, DType dtype)
    : model_(model), masters_(model.parameters()) {
  // Batch norm's scale and shift stay f32: it applies them in f32 anyway, so a 16-bit copy would
  // only round them and send their gradients (sums over every pixel, times the loss scale) through
  // f16, where they overflow.
  const std::vector<bool> keep_f32 = model_.f32_parameters();
  std::vector<autograd::Variable> casts;
  casts.reserve(masters_.size());
  for (size_t i = 0; i < masters_.size(); ++i)
    casts.push_back(keep_f32[i] ? masters_[i] : autograd::to(masters_[i], dtype));
  model_.set_parameters(casts);
}

LowPrecisionParameters::~LowPrecisionParameters() { model_.set_parameters(masters_); }

Tensor cast_inputs(const Tensor& inputs, DType dtype) {
  return is_floating(inputs.dtype()) ? inputs.to(dtype) : inputs;
}

bool gradients_overflowed(const std::vector<autograd::Variable>& params) {
  autograd::NoGradGuard no_grad;
  // g * 0 is 0 for every finite g and NaN for inf and NaN, so one sum per gradient finds any of
  // them; the sums are added on the device and read once.
  Tensor total;
  for (const autograd::Variable& p : params) {
    if (!p.grad().defined()) continue;
    const Tensor probe = sum(mul(p.grad(), 0.0));
    total = total.defined() ? add(total, probe) : probe;
  }
  return total.defined() && total.item<double>() != 0.0;
}

void scale_gradients(const std::vector<autograd::Variable>& params, double factor) {
  autograd::NoGradGuard no_grad;
  for (autograd::Variable p : params)
    if (p.grad().defined()) p.set_grad(mul(p.grad(), factor));
}

bool apply_gradients(optim::Optimizer& optimizer, double grad_clip, LossScaler* scaler) {
  const std::vector<autograd::Variable>& params = optimizer.params();
  if (scaler != nullptr) {
    const bool overflowed = gradients_overflowed(params);
    const double inverse = scaler->inverse_scale();
    if (!scaler->update(overflowed)) return false;
    scale_gradients(params, inverse);  // the scale this backward used, not the updated one
  }
  if (grad_clip > 0) optim::clip_grad_norm(params, grad_clip);
  optimizer.step();
  return true;
}

}  // namespace nimbus::models
