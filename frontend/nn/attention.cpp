#include "frontend/nn/attention.h"

#include <cmath>
#include <limits>

#include "frontend/autograd/functions.h"
#include "frontend/autograd/nn_functions.h"

namespace nimbus::nn {

namespace {
// 0 on and below the diagonal, -inf above: query i attends to keys j <= i (PyTorch's is_causal).
Tensor causal_mask(int64_t tq, int64_t tk, DType dtype, Device device) {
  std::vector<double> values(static_cast<size_t>(tq * tk), 0.0);
  for (int64_t i = 0; i < tq; ++i)
    for (int64_t j = i + 1; j < tk; ++j) values[i * tk + j] = -std::numeric_limits<double>::infinity();
  return from_vector(values, {tq, tk}).to(dtype).to(device);
}

LinearOptions linear_options(TensorOptions options) {
  LinearOptions o;
  o.dtype = options.dtype;
  o.device = options.device;
  return o;
}
}  // namespace

Variable scaled_dot_product_attention(const Variable& q, const Variable& k, const Variable& v, bool causal) {
  if (has_fused_attention(q.device())) return autograd::fused_attention(q, k, v, causal);
  return composed_attention(q, k, v, causal);
}

Variable composed_attention(const Variable& q, const Variable& k, const Variable& v, bool causal) {
  const auto lead = [](const Variable& x) { return Shape(x.shape().begin(), x.shape().end() - 2); };
  NIMBUS_CHECK_T(ShapeError,
                 q.dim() >= 2 && k.dim() == q.dim() && v.dim() == q.dim() && lead(q) == lead(k) && lead(k) == lead(v) &&
                     q.size(-1) == k.size(-1) && k.size(-2) == v.size(-2),
                 "scaled_dot_product_attention: expected q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv] with the same "
                 "leading dims, got q ", shape_str(q.shape()), ", k ", shape_str(k.shape()), ", v ", shape_str(v.shape()));
  const int64_t tq = q.size(-2), tk = k.size(-2), d = q.size(-1);
  Variable scores = autograd::mul(autograd::matmul(q, autograd::transpose(k, -2, -1)), 1.0 / std::sqrt(double(d)));
  if (causal) scores = autograd::add_constant(scores, causal_mask(tq, tk, scores.dtype(), scores.device()));
  return autograd::matmul(autograd::softmax(scores, -1), v);
}

CausalSelfAttention::CausalSelfAttention(int64_t embed_dim, int64_t heads, Generator& gen, TensorOptions options)
    : embed_dim_(embed_dim), heads_(heads) {
  NIMBUS_CHECK_T(ConfigError, heads > 0 && embed_dim > 0 && embed_dim % heads == 0, "CausalSelfAttention: embed_dim ",
                 embed_dim, " must be a positive multiple of heads ", heads);
  const LinearOptions o = linear_options(options);
  query_ = register_module("query", std::make_shared<Linear>(embed_dim, embed_dim, gen, o));
  key_ = register_module("key", std::make_shared<Linear>(embed_dim, embed_dim, gen, o));
  value_ = register_module("value", std::make_shared<Linear>(embed_dim, embed_dim, gen, o));
  proj_ = register_module("proj", std::make_shared<Linear>(embed_dim, embed_dim, gen, o));
}

Variable CausalSelfAttention::forward(const Variable& x) {
  NIMBUS_CHECK_T(ShapeError, x.dim() == 3 && x.size(2) == embed_dim_, "CausalSelfAttention: expected [B, T, ",
                 embed_dim_, "], got ", shape_str(x.shape()));
  const int64_t b = x.size(0), t = x.size(1), d = embed_dim_ / heads_;
  // [B, T, E] -> [B, H, T, d]
  auto heads = [&](const Variable& y) { return autograd::transpose(autograd::reshape(y, {b, t, heads_, d}), 1, 2); };
  const Variable y = scaled_dot_product_attention(heads((*query_)(x)), heads((*key_)(x)), heads((*value_)(x)), true);
  return (*proj_)(autograd::reshape(autograd::transpose(y, 1, 2), {b, t, embed_dim_}));
}

TransformerMlp::TransformerMlp(int64_t embed_dim, Generator& gen, TensorOptions options) {
  const LinearOptions o = linear_options(options);
  fc_ = register_module("fc", std::make_shared<Linear>(embed_dim, 4 * embed_dim, gen, o));
  proj_ = register_module("proj", std::make_shared<Linear>(4 * embed_dim, embed_dim, gen, o));
}

Variable TransformerMlp::forward(const Variable& x) { return (*proj_)(autograd::gelu_tanh((*fc_)(x))); }

TransformerBlock::TransformerBlock(int64_t embed_dim, int64_t heads, Generator& gen, TensorOptions options) {
  ln_1_ = register_module("ln_1", std::make_shared<LayerNorm>(Shape{embed_dim}, 1e-5, true, options));
  attn_ = register_module("attn", std::make_shared<CausalSelfAttention>(embed_dim, heads, gen, options));
  ln_2_ = register_module("ln_2", std::make_shared<LayerNorm>(Shape{embed_dim}, 1e-5, true, options));
  mlp_ = register_module("mlp", std::make_shared<TransformerMlp>(embed_dim, gen, options));
}

Variable TransformerBlock::forward(const Variable& x) {
  const Variable h = autograd::add(x, (*attn_)((*ln_1_)(x)));
  return autograd::add(h, (*mlp_)((*ln_2_)(h)));
}

}  // namespace nimbus::nn
