#pragma once
// Next-token examples cut from a token sequence (character text, synthetic tokens).
//
// Example i of a part that covers tokens [begin, begin + length) of the sequence: inputs are
// tokens[begin + i .. begin + i + T), targets tokens[begin + i + 1 .. begin + i + T + 1), both i64
// [T]; the part has length - T examples (every start whose targets stay inside it).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/data/dataset.h"

namespace nimbus::data {

struct TokenSequence {
  std::string name;  // "tinyshakespeare.txt": the first word of describe()
  std::string unit;  // "characters", "tokens": what a window holds, for describe()
  int64_t vocab_size = 0;
  std::vector<int64_t> tokens;  // each in [0, vocab_size)
};

class NIMBUS_API TokenWindows final : public Dataset {
 public:
  // Throws ConfigError when the part is shorter than context + 1 tokens.
  TokenWindows(std::shared_ptr<const TokenSequence> sequence, std::string part, int64_t begin, int64_t length,
               int64_t context);

  int64_t size() const override { return length_ - context_; }
  // inputs and targets i64 [B, T]; throws ShapeError for an index out of range.
  Batch gather(std::span<const int64_t> indices) const override;
  Shape input_shape() const override { return {context_}; }
  int64_t num_classes() const override { return sequence_->vocab_size; }
  // "<name> <part>: <size> windows of <T> <unit>, vocabulary <V>"
  std::string describe() const override;

  int64_t context() const { return context_; }

 private:
  std::shared_ptr<const TokenSequence> sequence_;
  std::string part_;
  int64_t begin_, length_, context_;
};

}  // namespace nimbus::data
