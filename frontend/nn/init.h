#pragma once
// Parameter initialisation from a seeded generator (the same seed gives the same model).
#include "runtime/random.h"

namespace nimbus::nn::init {

// U(-bound, bound) with bound = gain * sqrt(3 / fan_in): PyTorch's kaiming_uniform_.
NIMBUS_API Tensor kaiming_uniform(const Shape& shape, int64_t fan_in, double gain, TensorOptions options,
                                  Generator& gen);
// U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out)): xavier_uniform_.
NIMBUS_API Tensor xavier_uniform(const Shape& shape, int64_t fan_in, int64_t fan_out, double gain,
                                 TensorOptions options, Generator& gen);
// U(low, high).
NIMBUS_API Tensor uniform(const Shape& shape, double low, double high, TensorOptions options, Generator& gen);

}  // namespace nimbus::nn::init
