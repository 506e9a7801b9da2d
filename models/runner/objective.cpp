#include "models/runner/objective.h"

#include "frontend/autograd/functions.h"
#include "frontend/autograd/nn_functions.h"
#include "kernels/ops.h"

namespace nimbus::models {

autograd::Variable objective_loss(const autograd::Variable& logits, const Tensor& targets) {
  if (logits.dim() == 3) {  // language model: every position is one classification
    const int64_t vocab = logits.size(2);
    return autograd::cross_entropy(autograd::reshape(logits, {-1, vocab}), targets.reshape({-1}));
  }
  return autograd::cross_entropy(logits, targets);
}

Correct count_correct(const Tensor& logits, const Tensor& targets) {
  const Tensor predicted = argmax(logits, logits.dim() - 1);
  const Tensor matches = eq(predicted, targets.to(predicted.device()));
  return {sum(matches.to(DType::i64)).item<int64_t>(), targets.numel()};
}

}  // namespace nimbus::models
