#include "models/data/token_windows.h"

#include <algorithm>

#include "runtime/error.h"

namespace nimbus::data {

TokenWindows::TokenWindows(std::shared_ptr<const TokenSequence> sequence, std::string part, int64_t begin,
                           int64_t length, int64_t context)
    : sequence_(std::move(sequence)), part_(std::move(part)), begin_(begin), length_(length), context_(context) {
  NIMBUS_CHECK(sequence_ != nullptr, "TokenWindows: no sequence");
  const auto total = static_cast<int64_t>(sequence_->tokens.size());
  NIMBUS_CHECK(begin_ >= 0 && length_ >= 0 && begin_ + length_ <= total, "TokenWindows: part [", begin_, ", ",
               begin_ + length_, ") is outside the ", total, " tokens of ", sequence_->name);
  NIMBUS_CHECK_T(ConfigError, context_ >= 1, sequence_->name, ": context ", context_, " must be at least 1");
  NIMBUS_CHECK_T(ConfigError, length_ >= context_ + 1, sequence_->name, ": the ", part_, " part has ", length_, " ",
                 sequence_->unit, "; context ", context_, " needs at least ", context_ + 1);
}

Batch TokenWindows::gather(std::span<const int64_t> indices) const {
  const auto batch = static_cast<int64_t>(indices.size());
  Tensor inputs = empty({batch, context_}, DType::i64);
  Tensor targets = empty({batch, context_}, DType::i64);
  int64_t* in = inputs.data<int64_t>();
  int64_t* out = targets.data<int64_t>();
  const int64_t* tokens = sequence_->tokens.data() + begin_;
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t i = indices[static_cast<size_t>(b)];
    NIMBUS_CHECK_T(ShapeError, i >= 0 && i < size(), describe(), ": index ", i, " is outside 0..", size() - 1);
    std::copy_n(tokens + i, context_, in + b * context_);
    std::copy_n(tokens + i + 1, context_, out + b * context_);
  }
  return {inputs, targets};
}

std::string TokenWindows::describe() const {
  return detail::concat(sequence_->name, " ", part_, ": ", size(), " windows of ", context_, " ", sequence_->unit,
                        ", vocabulary ", sequence_->vocab_size);
}

}  // namespace nimbus::data
