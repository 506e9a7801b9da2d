#include "frontend/nn/init.h"

#include <cmath>

#include "kernels/ops.h"

namespace nimbus::nn::init {

Tensor uniform(const Shape& shape, double low, double high, TensorOptions options, Generator& gen) {
  NIMBUS_CHECK(high >= low, "init::uniform: empty range [", low, ", ", high, ")");
  return add(mul(rand(shape, options, gen), high - low), low);
}

Tensor kaiming_uniform(const Shape& shape, int64_t fan_in, double gain, TensorOptions options, Generator& gen) {
  NIMBUS_CHECK(fan_in > 0, "init::kaiming_uniform: fan_in must be positive, got ", fan_in);
  const double bound = gain * std::sqrt(3.0 / static_cast<double>(fan_in));
  return uniform(shape, -bound, bound, options, gen);
}

Tensor xavier_uniform(const Shape& shape, int64_t fan_in, int64_t fan_out, double gain, TensorOptions options,
                      Generator& gen) {
  NIMBUS_CHECK(fan_in + fan_out > 0, "init::xavier_uniform: fan_in + fan_out must be positive");
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform(shape, -bound, bound, options, gen);
}

}  // namespace nimbus::nn::init
