#pragma once
// Seeded random tensors from Philox (Note [Random streams] in philox.h).
#include <cstdint>
#include <mutex>

#include "runtime/tensor.h"

namespace nimbus {

// A seed plus a call counter. Each random call takes the next counter value, so two generators
// with the same seed produce the same sequence of tensors. Thread-safe.
class NIMBUS_API Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  // The next call number; part of a checkpoint together with the seed.
  uint64_t calls() const;
  void set_state(uint64_t seed, uint64_t calls);
  uint64_t next_call();

 private:
  mutable std::mutex mutex_;
  uint64_t seed_;
  uint64_t calls_ = 0;
};

// The process-wide generator used when none is passed.
NIMBUS_API Generator& default_generator();
NIMBUS_API void manual_seed(uint64_t seed);

// Uniform in [0, 1).
NIMBUS_API Tensor rand(const Shape& shape, TensorOptions options = {}, Generator& gen = default_generator());
// Standard normal (Box-Muller).
NIMBUS_API Tensor randn(const Shape& shape, TensorOptions options = {}, Generator& gen = default_generator());
// Integers uniform in [low, high); default dtype i64.
NIMBUS_API Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options = DType::i64,
                          Generator& gen = default_generator());

}  // namespace nimbus
