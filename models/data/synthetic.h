#pragma once
// Generated data for benchmarks and tests: the same seed gives the same data on any machine.
//
// kind "classification": example i of a part has label i mod classes (balanced classes) and input
// mean[label] + noise * N(0, 1) per element, where each class mean holds standard normal values.
// With the defaults (784 features, noise 1) the classes are far apart, so a linear model learns
// them quickly; raise `noise` for a harder problem. Inputs f32 [...input_shape], targets i64.
// describe(): "synthetic train: 1000 examples 784, 10 classes".
//
// kind "tokens": each part is its own sequence of size + context tokens, a seeded Markov chain:
// the first token is uniform; after token t comes successor[t] with probability
// `successor_probability` (successor is a seeded permutation of the vocabulary), else a uniform
// token. So a language model can bring its loss well below log(vocab_size); probability 0 gives
// independent uniform tokens. Examples are TokenWindows (token_windows.h) with exactly `size`
// examples per part, inputs and targets i64 [context].
//
// Random numbers: a Generator(seed) (runtime/random.h) draws the class means first, then the
// train, val and test noise, in that order, so changing val_size leaves the train data unchanged;
// token parts use Philox streams 1, 2, 3 (train, val, test) and stream 0 for the successors.
// A part of size 0 (val, test) is null.
#include <cstdint>
#include <string>
#include <vector>

#include "models/data/dataset.h"

namespace nimbus::data {

struct SyntheticOptions {
  std::string kind = "classification";  // classification | tokens
  uint64_t seed = 0;
  int64_t train_size = 1000, val_size = 200, test_size = 200;  // examples per part
  // classification
  Shape input_shape = {784};
  int64_t classes = 10;
  double noise = 1.0;
  // tokens
  int64_t vocab_size = 64;
  int64_t context = 64;
  double successor_probability = 0.5;
};

// "classification", "tokens"
NIMBUS_API const std::vector<std::string>& synthetic_kinds();

// Throws ConfigError naming the option and its allowed values for invalid options.
NIMBUS_API Splits make_synthetic(const SyntheticOptions& options);

}  // namespace nimbus::data
