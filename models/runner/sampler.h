#pragma once
// Text from a trained character-level language model: the prompt's tokens go in, and each next
// character is drawn from softmax(logits / temperature) of the last position, with the model
// seeing at most its context length of the latest characters.
#include <cstdint>
#include <string>

#include "frontend/nn/module.h"
#include "models/data/vocabulary.h"

namespace nimbus::models {

struct SampleOptions {
  int64_t tokens = 200;      // characters to generate
  double temperature = 1.0;  // < 1 sharper, > 1 flatter; must be > 0
  uint64_t seed = 0;         // the same seed gives the same text
};

// The prompt followed by the generated characters (without a prompt: the generated ones only).
// Throws ParseError for a prompt character outside the vocabulary, ConfigError for bad options.
NIMBUS_API std::string sample_text(nn::Module& model, const data::Vocabulary& vocabulary, int64_t context,
                                   const std::string& prompt, const SampleOptions& options, Device device);

}  // namespace nimbus::models
