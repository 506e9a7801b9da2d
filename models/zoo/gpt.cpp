// The GPT: token + position embeddings, pre-norm transformer blocks, final LayerNorm, Linear head
// (nanoGPT's layout and names, with an untied head).
#include "frontend/autograd/functions.h"
#include "frontend/nn/attention.h"
#include "frontend/nn/normalization.h"
#include "models/zoo/architectures.h"

namespace nimbus::models::detail {
namespace {

using autograd::Variable;

// nn::TransformerBlock's computation and parameters (ln_1, attn, ln_2, mlp) with dropout on each
// residual branch, where nanoGPT applies it (its resid_dropout, and the dropout ending its MLP).
// nanoGPT also drops attention probabilities; CausalSelfAttention has no hook for that, so this
// block does not. With dropout 0 it is exactly nn::TransformerBlock.
class GptBlock : public nn::Module {
 public:
  GptBlock(int64_t width, int64_t heads, double dropout, DType dtype, Generator& init, Generator& dropout_gen)
      : ln_1_(register_module("ln_1", std::make_shared<nn::LayerNorm>(Shape{width}, 1e-5, true, dtype))),
        attn_(register_module("attn", std::make_shared<nn::CausalSelfAttention>(width, heads, init, dtype))),
        ln_2_(register_module("ln_2", std::make_shared<nn::LayerNorm>(Shape{width}, 1e-5, true, dtype))),
        mlp_(register_module("mlp", std::make_shared<nn::TransformerMlp>(width, init, dtype))),
        drop_(register_module("drop", std::make_shared<nn::Dropout>(dropout, dropout_gen))) {}

  Variable forward(const Variable& x) override {
    const Variable h = autograd::add(x, (*drop_)((*attn_)((*ln_1_)(x))));
    return autograd::add(h, (*drop_)((*mlp_)((*ln_2_)(h))));
  }

 private:
  std::shared_ptr<nn::LayerNorm> ln_1_;
  std::shared_ptr<nn::CausalSelfAttention> attn_;
  std::shared_ptr<nn::LayerNorm> ln_2_;
  std::shared_ptr<nn::TransformerMlp> mlp_;
  std::shared_ptr<nn::Dropout> drop_;
};

class Gpt : public nn::Module {
 public:
  Gpt(const ModelSpec& spec, Generator& init, Generator& dropout) : context_(spec.context) {
    wte_ = register_module("wte", std::make_shared<nn::Embedding>(spec.classes, spec.width, init, -1, spec.dtype));
    wpe_ = register_module("wpe", std::make_shared<nn::Embedding>(spec.context, spec.width, init, -1, spec.dtype));
    drop_ = register_module("drop", std::make_shared<nn::Dropout>(spec.dropout, dropout));
    blocks_ = register_module("blocks", std::make_shared<nn::Sequential>());
    for (int64_t i = 0; i < spec.layers; ++i)
      blocks_->push_back(std::make_shared<GptBlock>(spec.width, spec.heads, spec.dropout, spec.dtype, init, dropout));
    ln_f_ = register_module("ln_f", std::make_shared<nn::LayerNorm>(Shape{spec.width}, 1e-5, true, spec.dtype));
    nn::LinearOptions head_options;
    head_options.bias = false;
    head_options.dtype = spec.dtype;
    head_ = register_module("head", std::make_shared<nn::Linear>(spec.width, spec.classes, init, head_options));
  }

  // tokens: [B, T] integers with T <= context -> logits [B, T, vocab].
  Variable forward(const Variable& tokens) override {
    NIMBUS_CHECK_T(ShapeError, tokens.dim() == 2 && tokens.size(1) >= 1 && tokens.size(1) <= context_,
                   "gpt: expected tokens [B, T] with 1 <= T <= context ", context_, ", got ",
                   shape_str(tokens.shape()));
    NIMBUS_CHECK_T(DTypeError, !is_floating(tokens.dtype()), "gpt: tokens must be integers, got ",
                   dtype_name(tokens.dtype()));
    const Variable positions(arange(tokens.size(1), TensorOptions(DType::i64, tokens.device())));
    // [B, T, E] + [T, E]: every sequence gets the same position rows.
    Variable h = (*drop_)(autograd::add((*wte_)(tokens), (*wpe_)(positions)));
    return (*head_)((*ln_f_)((*blocks_)(h)));
  }

 private:
  int64_t context_;
  std::shared_ptr<nn::Embedding> wte_, wpe_;
  std::shared_ptr<nn::Dropout> drop_;
  std::shared_ptr<nn::Sequential> blocks_;
  std::shared_ptr<nn::LayerNorm> ln_f_;
  std::shared_ptr<nn::Linear> head_;
};

}  // namespace

std::shared_ptr<nn::Module> build_gpt(const ModelSpec& spec, Generator& init, Generator& dropout) {
  return std::make_shared<Gpt>(spec, init, dropout);
}

}  // namespace nimbus::models::detail
