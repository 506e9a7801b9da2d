#pragma once
// LayerNorm, Embedding and Dropout modules (PyTorch's parameter names: weight, bias).
#include "frontend/nn/module.h"
#include "runtime/random.h"

namespace nimbus::nn {

// Normalises over the trailing `normalized_shape`, then scales by weight (ones) and shifts by
// bias (zeros) when `elementwise_affine`.
class NIMBUS_API LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     TensorOptions options = {});
  Variable forward(const Variable& x) override;

 private:
  Shape normalized_shape_;
  double eps_;
  Variable* weight_ = nullptr;
  Variable* bias_ = nullptr;
};

// A lookup table: forward takes integer indices (as the data of a Variable) and returns rows.
// Initialised N(0, 1) as PyTorch; the padding row (if any) starts at zero and gets no gradient.
class NIMBUS_API Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t dim, Generator& gen, int64_t padding_idx = -1, TensorOptions options = {});
  Variable forward(const Variable& indices) override;
  Variable& weight() { return weight_; }

 private:
  int64_t padding_idx_;
  Variable& weight_;
};

// Active in training mode only; masks come from the generator, so a seed fixes them.
class NIMBUS_API Dropout : public Module {
 public:
  Dropout(double p, Generator& gen);
  Variable forward(const Variable& x) override;

 private:
  double p_;
  Generator& gen_;
};

}  // namespace nimbus::nn
