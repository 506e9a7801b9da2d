#pragma once
// What a run optimizes and reports: cross-entropy over classes for a classifier ([B, C] logits,
// [B] labels) and over the vocabulary at every position for a language model ([B, T, V] logits,
// [B, T] next tokens), with accuracy counted the same way (per example, or per token).
#include <cstdint>

#include "frontend/autograd/variable.h"

namespace nimbus::models {

// The mean cross-entropy of `logits` against `targets`.
NIMBUS_API autograd::Variable objective_loss(const autograd::Variable& logits, const Tensor& targets);

// Predictions (argmax over the last dimension) equal to the targets, and how many there were.
struct Correct {
  int64_t correct = 0, total = 0;
};
NIMBUS_API Correct count_correct(const Tensor& logits, const Tensor& targets);

}  // namespace nimbus::models
