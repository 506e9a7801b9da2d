#pragma once
// Fused optimizer steps: each updates a parameter and its state in place, in one pass.
// All tensors of one call share a shape, a device and a floating dtype.
#include "kernels/functors/optimizer.h"
#include "runtime/tensor.h"

namespace nimbus {

// param -= lr * (grad + ...), updating `momentum_buffer` (ignored when momentum == 0).
NIMBUS_API void sgd_step_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer,
                          const functors::SgdHyper& hyper);
// Adam or AdamW (hyper.decoupled), updating the first and second moments.
NIMBUS_API void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                           const functors::AdamHyper& hyper);

}  // namespace nimbus
