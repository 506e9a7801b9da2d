#pragma once
// What a served model takes and returns, as the KServe v2 protocol describes tensors, plus the
// input preparation the training data applied. Written by `nimbus export` as metadata.json beside
// the model's config.yaml and weights.safetensors (Note [Exported model] in model_export.h).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::serve {

// One input or output tensor: `shape` has -1 for the batch dimension (and, for token models, for
// the sequence length, which TokenModel bounds).
struct TensorSpec {
  std::string name;
  std::string datatype;  // KServe names: "FP32", "INT64", ...
  std::vector<int64_t> shape;
};

// Note [Token model]: a language model (gpt) takes one input "tokens", INT64 [-1, -1] (INT32 is
// accepted too): B sequences of T ids each, 1 <= T <= max_sequence_length (the model's context),
// every id in [0, vocabulary size). It returns "logits", FP32 [-1, vocab]: the next-token logits
// after each sequence's last position, which is what a client decoding one token at a time needs
// (greedy decoding: append the argmax and ask again, keeping the newest max_sequence_length ids).
// The vocabulary is the training text's sorted distinct bytes; id i stands for vocabulary[i].
struct TokenModel {
  std::string vocabulary;  // raw bytes, one per id
  int64_t max_sequence_length = 0;
};

// The most instances a model version may run (Note [Model instances] in batcher.h).
inline constexpr int kMaxInstances = 64;

struct ModelMetadata {
  std::string platform = "nimbus";
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  // Inputs are multiplied by this before the model sees them: the digits dataset trains on pixels
  // divided by 16, while clients send the raw values 0-16 (as `nimbus predict` reads them).
  float input_scale = 1.0f;
  int64_t trained_steps = 0;  // the checkpoint's step, for people reading the file
  std::optional<TokenModel> tokens;  // set for token models (Note [Token model])
  // How many instances serve this version, in [1, kMaxInstances]; unset: the server's --instances
  // (Note [Model instances] in batcher.h). Written by `nimbus export --instances`, or by hand.
  std::optional<int> instances;
};

// The vocabulary as a JSON-safe string: byte b becomes the character of code point b (Latin-1),
// so every vocabulary is valid UTF-8 and id i is the string's i-th character. A client maps text to ids by
// its UTF-8 bytes: Python `[vocab.index(c) for c in text.encode().decode("latin-1")]`.
NIMBUS_API std::string vocabulary_to_latin1_utf8(const std::string& bytes);
// The inverse; throws ParseError naming `where` for a character above U+00FF or invalid UTF-8.
NIMBUS_API std::string vocabulary_from_latin1_utf8(const std::string& text, const std::string& where);

// The metadata as the JSON metadata.json holds.
NIMBUS_API std::string metadata_to_json(const ModelMetadata& metadata);
// Parses and checks metadata.json text; throws ParseError naming `source` and the bad field.
NIMBUS_API ModelMetadata parse_metadata_json(const std::string& text, const std::string& source);

}  // namespace nimbus::serve
