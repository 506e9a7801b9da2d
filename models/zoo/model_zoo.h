#pragma once
// The model zoo: the architectures `nimbus train` builds from a config. Every model is an
// nn::Module whose parameter names match the PyTorch definitions in bench/peers/ (so weights
// load across the two and parity fixtures line up).
//
//   mlp     flatten -> [Linear -> activation -> Dropout] per hidden width -> Linear to classes
//   cnn     LeNet-style: [Conv(k, pad k/2) -> ReLU -> MaxPool 2] per channel width, flatten,
//           Linear -> ReLU -> Linear to classes
//   resnet  stem conv + batch norm, stages of basic residual blocks (two 3x3 conv + batch norm,
//           a 1x1 projection where the shape changes, stride 2 between stages), global average
//           pool, Linear to classes
//   gpt     token + position embeddings, `layers` pre-norm transformer blocks, final LayerNorm,
//           Linear head to the vocabulary; input [B, T] i64 tokens, output [B, T, vocab] logits
//
// Classifiers take [B, ...input_shape] floating inputs and return [B, classes] logits. Parameter
// names (the PyTorch twins are in bench/peers/make_model_fixtures.py):
//   mlp     layers.<i>.{weight,bias} (hidden Linears), head.{weight,bias}
//   cnn     convs.<i>.{weight,bias}, fc.{weight,bias}, head.{weight,bias}
//   resnet  stem.conv.weight, stem.bn.*, stages.<s>.<b>.{conv1,bn1,conv2,bn2}.*,
//           stages.<s>.<b>.downsample.{conv,bn}.* (where the shape changes), head.{weight,bias}
//           (convolutions have no bias: batch norm follows each; bn.* holds weight, bias and the
//           buffers running_mean, running_var, num_batches_tracked)
//   gpt     wte.weight, wpe.weight, blocks.<i>.{ln_1,attn.{query,key,value,proj},ln_2,mlp.{fc,proj}}.*,
//           ln_f.{weight,bias}, head.weight (no bias, as nanoGPT; not tied to wte)
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "frontend/nn/module.h"
#include "runtime/dtype.h"
#include "runtime/random.h"

namespace nimbus::models {

struct ModelSpec {
  std::string kind = "mlp";  // mlp | cnn | resnet | gpt
  // From the dataset: one example's input shape ({C, H, W} images, {features}, or {T} tokens) and
  // the number of classes (the vocabulary size for gpt).
  Shape input_shape;
  int64_t classes = 0;

  // mlp
  std::vector<int64_t> hidden = {128};
  std::string activation = "relu";  // relu | gelu | tanh | silu
  // cnn: conv widths per stage; resnet: block widths per stage
  std::vector<int64_t> channels = {32, 64};
  int64_t kernel_size = 3;       // cnn
  int64_t fc_width = 128;        // cnn: the hidden Linear after the convolutions
  int64_t blocks_per_stage = 2;  // resnet
  // gpt
  int64_t layers = 4, heads = 4, width = 128, context = 64;
  // mlp and gpt (after embeddings and inside blocks where PyTorch's GPT puts it)
  double dropout = 0;
  // The parameters' dtype: f32 for training; f64 lets tests compare with references closely.
  DType dtype = DType::f32;
};

// Every problem with `spec`, each naming the field, the bad value and what is allowed; empty when
// the spec is valid. Only the fields the kind uses are checked. With `with_data` false, the fields
// that come from the dataset (input_shape, classes) are not checked, so a config's model section
// can be checked before its dataset is opened.
NIMBUS_API std::vector<std::string> model_spec_problems(const ModelSpec& spec, bool with_data = true);
// Throws ConfigError listing every problem model_spec_problems finds.
NIMBUS_API void validate_model_spec(const ModelSpec& spec);

// Builds the model on the CPU; parameters are drawn from `init`, dropout masks from `dropout`
// (which must outlive the model). Throws ConfigError naming the field for invalid specs (e.g. a
// width not divisible by heads, an input too small for the pooling): validate_model_spec first.
NIMBUS_API std::shared_ptr<nn::Module> build_model(const ModelSpec& spec, Generator& init, Generator& dropout);

// "mlp", "cnn", "resnet", "gpt".
NIMBUS_API const std::vector<std::string>& model_kinds();
// The mlp's activations: "relu", "gelu" (exact, as torch.nn.GELU()), "tanh", "silu".
NIMBUS_API const std::vector<std::string>& mlp_activations();

}  // namespace nimbus::models
