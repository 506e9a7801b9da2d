#pragma once
// Mixed-precision training (config key `precision`, Note [Mixed precision]).
//
// Note [Mixed precision]: with bf16 or fp16 the parameters stay f32 (the masters: what the
// optimizer updates, checkpoints store, and evaluation, prediction and export use). Each training
// step puts a cast of every master (but batch norm's, which it applies in f32) to the 16-bit
// dtype into the model's parameter slots (LowPrecisionParameters), casts floating inputs to it, runs the forward and backward in it, and
// casts the logits to f32 before the loss, as torch.autocast does for softmax and cross-entropy.
// The cast is differentiable (autograd::to), so each master receives its gradient as the f32 of
// the 16-bit gradient, and the optimizer works in f32 as before. What the kernels already do in
// f32 stays so: reductions, softmax, layer-norm and cross-entropy rows accumulate in f32 for 16-bit
// inputs, and 16-bit GEMMs accumulate in f32; batch norm normalizes 16-bit inputs in f32
// (frontend/nn/batch_norm.cpp). fp16 adds dynamic loss scaling (Note [Loss scaling] in
// loss_scaler.h); bf16 needs none.
#include <string>
#include <vector>

#include "frontend/autograd/variable.h"
#include "frontend/nn/module.h"
#include "frontend/optim/optimizer.h"
#include "models/runner/loss_scaler.h"

namespace nimbus::models {

enum class Precision { fp32, bf16, fp16 };

// The accepted config values, in the order the error for an unknown one lists them.
NIMBUS_API const std::vector<std::string>& precision_names();
// "fp32" | "bf16" | "fp16"; anything else is a ConfigError naming the key and the accepted values.
NIMBUS_API Precision parse_precision(const std::string& name);
// The dtype the forward and backward run in: f32, bf16 or f16.
NIMBUS_API DType compute_dtype(Precision precision);

// For its lifetime, `model`'s parameter slots hold differentiable casts of the f32 masters to
// `dtype`; the masters are put back when it ends, also when the step throws. A graph built in the
// meantime keeps the casts, so backward may run after the masters are back.
class NIMBUS_API LowPrecisionParameters {
 public:
  LowPrecisionParameters(nn::Module& model, DType dtype);
  ~LowPrecisionParameters();
  LowPrecisionParameters(const LowPrecisionParameters&) = delete;
  LowPrecisionParameters& operator=(const LowPrecisionParameters&) = delete;

 private:
  nn::Module& model_;
  std::vector<autograd::Variable> masters_;
};

// Floating inputs cast to `dtype`; integer inputs (token ids) as they are.
NIMBUS_API Tensor cast_inputs(const Tensor& inputs, DType dtype);

// True when any gradient of `params` holds an inf or a NaN.
NIMBUS_API bool gradients_overflowed(const std::vector<autograd::Variable>& params);
// Multiplies every gradient of `params` by `factor` (out of place: two leaves may share one
// gradient buffer, see optim::clip_grad_norm).
NIMBUS_API void scale_gradients(const std::vector<autograd::Variable>& params, double factor);

// The end of a training step, after backward. With a scaler (fp16; the backward started from the
// loss times scaler->scale()), the gradients are checked for overflow: on one, the update is
// skipped and the scaler halves its scale; otherwise they are multiplied by 1/scale. Then they are
// clipped to the global norm `grad_clip` (0: no clipping) and the optimizer steps. Returns whether
// it stepped.
NIMBUS_API bool apply_gradients(optim::Optimizer& optimizer, double grad_clip, LossScaler* scaler);

}  // namespace nimbus::models
