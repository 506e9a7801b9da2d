#pragma once
// Datasets for training: a dataset is a random-access collection of examples that gathers any
// set of them into one batch. Batches are built on the CPU; the trainer moves them to the device.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "runtime/tensor.h"

namespace nimbus::data {

// `inputs` is [B, ...one example's shape] (f32 features, or i64 token ids); `targets` is [B] i64
// class labels, or [B, T] i64 next tokens for a language model.
struct Batch {
  Tensor inputs;
  Tensor targets;
};

class NIMBUS_API Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // The examples at `indices` (each in [0, size())), stacked in that order.
  virtual Batch gather(std::span<const int64_t> indices) const = 0;
  // The shape of one example's input, e.g. {1, 8, 8} for a digit image or {64} for a context.
  virtual Shape input_shape() const = 0;
  // Classes for a classifier; the vocabulary size for a language model.
  virtual int64_t num_classes() const = 0;
  // One line for logs, e.g. "digits train: 1437 images 1x8x8, 10 classes".
  virtual std::string describe() const = 0;
};

// The three parts a run uses: train for updates, val for evaluation while training, test for the
// final report. `test` may be null when a dataset has no test part.
struct Splits {
  std::shared_ptr<const Dataset> train, val, test;
};

}  // namespace nimbus::data
