#include "frontend/nn/normalization.h"

#include "frontend/autograd/nn_functions.h"

namespace nimbus::nn {

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine, TensorOptions options)
    : normalized_shape_(std::move(normalized_shape)), eps_(eps) {
  NIMBUS_CHECK_T(ShapeError, !normalized_shape_.empty() && shape_numel(normalized_shape_) > 0,
                 "LayerNorm: normalized_shape must be non-empty, got ", shape_str(normalized_shape_));
  NIMBUS_CHECK_T(ConfigError, eps > 0, "LayerNorm: eps must be positive, got ", eps);
  if (elementwise_affine) {
    weight_ = &register_parameter("weight", ones(normalized_shape_, options));
    bias_ = &register_parameter("bias", zeros(normalized_shape_, options));
  }
}

Variable LayerNorm::forward(const Variable& x) {
  return autograd::layer_norm(x, normalized_shape_, weight_ ? *weight_ : Variable(), bias_ ? *bias_ : Variable(), eps_);
}

namespace {
Tensor embedding_init(int64_t num, int64_t dim, int64_t padding_idx, TensorOptions options, Generator& gen) {
  NIMBUS_CHECK_T(ShapeError, num > 0 && dim > 0, "Embedding: sizes must be positive, got ", num, " x ", dim);
  NIMBUS_CHECK_T(ShapeError, padding_idx >= -1 && padding_idx < num, "Embedding: padding_idx ", padding_idx,
                 " is outside [0, ", num, ")");
  Tensor w = randn({num, dim}, options, gen);
  if (padding_idx >= 0) w.select(0, padding_idx).fill_(0);
  return w;
}
}  // namespace

Embedding::Embedding(int64_t num_embeddings, int64_t dim, Generator& gen, int64_t padding_idx, TensorOptions options)
    : padding_idx_(padding_idx),
      weight_(register_parameter("weight", embedding_init(num_embeddings, dim, padding_idx, options, gen))) {}

Variable Embedding::forward(const Variable& indices) { return autograd::embedding(weight_, indices.data(), padding_idx_); }

Dropout::Dropout(double p, Generator& gen) : p_(p), gen_(gen) {
  NIMBUS_CHECK_T(ConfigError, p >= 0 && p <= 1, "Dropout: p must be in [0, 1], got ", p);
}

Variable Dropout::forward(const Variable& x) { return autograd::dropout(x, p_, gen_, is_training()); }

}  // namespace nimbus::nn
