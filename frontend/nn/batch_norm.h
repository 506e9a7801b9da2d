#pragma once
// Batch normalisation over [N, C] (BatchNorm1d) or [N, C, H, W] (BatchNorm2d) inputs.
// Training: normalise with the batch's mean and biased variance, and update the running
// statistics (momentum 0.1, unbiased variance) as PyTorch does. Evaluation: use the running
// statistics. One fused op forward and one backward (autograd::batch_norm, kernels/nn_ops.h).
#include "frontend/nn/module.h"

namespace nimbus::nn {

class NIMBUS_API BatchNorm : public Module {
 public:
  // `spatial_dims`: 0 for BatchNorm1d on [N, C], 2 for BatchNorm2d on [N, C, H, W].
  BatchNorm(int64_t num_features, int spatial_dims, double eps = 1e-5, double momentum = 0.1,
            TensorOptions options = {});
  Variable forward(const Variable& x) override;

 protected:
  bool computes_in_f32() const override { return true; }  // 16-bit inputs are normalized in f32

 private:
  int64_t num_features_;
  int spatial_dims_;
  double eps_, momentum_;
  Variable& weight_;
  Variable& bias_;
  Tensor& running_mean_;
  Tensor& running_var_;
  Tensor& num_batches_tracked_;
};

class NIMBUS_API BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, double momentum = 0.1, TensorOptions options = {})
      : BatchNorm(num_features, 0, eps, momentum, options) {}
};

class NIMBUS_API BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1, TensorOptions options = {})
      : BatchNorm(num_features, 2, eps, momentum, options) {}
};

}  // namespace nimbus::nn
