#pragma once
// Causal multi-head self-attention and the GPT-style transformer block.
#include "frontend/nn/layers.h"
#include "frontend/nn/normalization.h"

namespace nimbus::nn {

// softmax(q k^T / sqrt(d) + mask) v over [..., T, d] operands; `causal` hides later positions.
// One fused tape node where the device has the kernels (kernels/nn_ops.h), else the composition.
NIMBUS_API Variable scaled_dot_product_attention(const Variable& q, const Variable& k, const Variable& v, bool causal);
// The same from differentiable ops (matmul, softmax, ...): the reference the fused kernels are
// tested against, and the path of devices without them.
NIMBUS_API Variable composed_attention(const Variable& q, const Variable& k, const Variable& v, bool causal);

// x [B, T, E] -> [B, T, E]. Parameters: query, key, value, proj (Linear E -> E each).
class NIMBUS_API CausalSelfAttention : public Module {
 public:
  CausalSelfAttention(int64_t embed_dim, int64_t heads, Generator& gen, TensorOptions options = {});
  Variable forward(const Variable& x) override;

 private:
  int64_t embed_dim_, heads_;
  std::shared_ptr<Linear> query_, key_, value_, proj_;
};

// The block's feed-forward part: proj(gelu(fc(x))), fc E -> 4E, proj 4E -> E.
class NIMBUS_API TransformerMlp : public Module {
 public:
  TransformerMlp(int64_t embed_dim, Generator& gen, TensorOptions options = {});
  Variable forward(const Variable& x) override;

 private:
  std::shared_ptr<Linear> fc_, proj_;
};

// Pre-norm block: x + attn(ln_1(x)), then + mlp(ln_2(x)).
// Parameters: ln_1, attn, ln_2, mlp.fc, mlp.proj (GPT-2's naming where it has one).
class NIMBUS_API TransformerBlock : public Module {
 public:
  TransformerBlock(int64_t embed_dim, int64_t heads, Generator& gen, TensorOptions options = {});
  Variable forward(const Variable& x) override;

 private:
  std::shared_ptr<LayerNorm> ln_1_, ln_2_;
  std::shared_ptr<CausalSelfAttention> attn_;
  std::shared_ptr<TransformerMlp> mlp_;
};

}  // namespace nimbus::nn
