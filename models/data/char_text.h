#pragma once
// Character-level text for language models (examples/data/tinyshakespeare.txt).
//
// Vocabulary: the sorted distinct bytes of the whole file (65 for tinyshakespeare), so train and
// val share ids and every character of the file has one. Tokens are bytes: multi-byte UTF-8
// characters become several tokens.
// Split: train = the first n - floor(n * val_fraction) characters (floors as in Note [Row split]),
// val = the rest; the text is not shuffled, so val is a continuous passage the model has not
// seen. There is no test part (`test` is null): report on val. val_fraction 0 gives a null val.
// tinyshakespeare.txt (1115394 bytes) with the defaults: val 111539 characters, train 1003855;
// with context 64 that is 1003791 train and 111475 val examples.
// Examples are TokenWindows (token_windows.h): inputs tokens[i .. i+T), targets tokens[i+1 ..
// i+T+1), i64 [T]; a part of m characters has m - T examples. input_shape() = {T},
// num_classes() = the vocabulary size.
// Errors: IOError for a file that cannot be read; ParseError for an empty file; ConfigError for
// context < 1, val_fraction outside [0, 1), or a part shorter than context + 1 characters.
#include <cstdint>
#include <string>

#include "models/data/dataset.h"
#include "models/data/vocabulary.h"

namespace nimbus::data {

struct CharTextOptions {
  std::string path{};
  int64_t context = 64;
  double val_fraction = 0.1;
};

struct CharText {
  Vocabulary vocabulary;  // for encoding prompts and decoding samples
  Splits splits;
};

NIMBUS_API CharText load_char_text(const CharTextOptions& options);

}  // namespace nimbus::data
