// Random tensors: every element is a pure function of (seed, call, index); see philox.h.
#include "runtime/random.h"

#include <cmath>

#include "runtime/convert.h"
#include "runtime/parallel.h"
#include "runtime/philox.h"

namespace nimbus {

uint64_t Generator::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}
void Generator::set_state(uint64_t seed, uint64_t calls) {
  std::lock_guard lock(mutex_);
  seed_ = seed;
  calls_ = calls;
}
uint64_t Generator::next_call() {
  std::lock_guard lock(mutex_);
  return calls_++;
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}
void manual_seed(uint64_t seed) { default_generator().set_state(seed, 0); }

namespace {

// Fills a CPU tensor with value_of(seed, call, i), then moves it to the requested device.
template <typename ValueOf>
Tensor generate_random(const Shape& shape, TensorOptions options, Generator& gen, const char* op,
                       const ValueOf& value_of) {
  Tensor host = empty(shape, {options.dtype, Device::cpu()});
  const uint64_t seed = gen.seed(), call = gen.next_call();
  NIMBUS_DISPATCH(options.dtype, op, [&]<typename T>() {
    T* out = static_cast<T*>(host.data_ptr());
    parallel_for(host.numel(), 4096, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = convert<T>(value_of(seed, call, static_cast<uint64_t>(i)));
    });
  });
  return host.to(options.device);
}

void require_floating(DType t, const char* op) {
  NIMBUS_CHECK_T(DTypeError, is_floating(t), op, ": expected a floating dtype, got ", dtype_name(t));
}

}  // namespace

Tensor rand(const Shape& shape, TensorOptions options, Generator& gen) {
  require_floating(options.dtype, "rand");
  if (options.dtype == DType::f64) {
    // Two words per element: element i uses words (2i mod 4, 2i+1 mod 4) of block i/2.
    return generate_random(shape, options, gen, "rand", [](uint64_t seed, uint64_t call, uint64_t i) {
      const PhiloxBlock b = philox_block(seed, call, i / 2);
      const int lane = static_cast<int>(i % 2) * 2;
      return uniform_double(b.v[lane], b.v[lane + 1]);
    });
  }
  return generate_random(shape, options, gen, "rand", [](uint64_t seed, uint64_t call, uint64_t i) {
    return uniform_float(philox_block(seed, call, i / 4).v[i % 4]);
  });
}

Tensor randn(const Shape& shape, TensorOptions options, Generator& gen) {
  require_floating(options.dtype, "randn");
  // Box-Muller from the element's two words; 1 - u keeps the logarithm's argument in (0, 1].
  return generate_random(shape, options, gen, "randn", [](uint64_t seed, uint64_t call, uint64_t i) {
    const PhiloxBlock b = philox_block(seed, call, i / 2);
    const int lane = static_cast<int>(i % 2) * 2;
    const double u1 = 1.0 - uniform_double(b.v[lane], 0), u2 = uniform_double(b.v[lane + 1], 0);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  });
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options, Generator& gen) {
  NIMBUS_CHECK_T(ShapeError, high > low, "randint: empty range [", low, ", ", high, ")");
  const uint64_t range = static_cast<uint64_t>(high - low);
  // A 64-bit word per element scaled into the range by a 128-bit multiply (bias below 2^-64 * range).
  return generate_random(shape, options, gen, "randint", [=](uint64_t seed, uint64_t call, uint64_t i) {
    const PhiloxBlock b = philox_block(seed, call, i / 2);
    const int lane = static_cast<int>(i % 2) * 2;
    const uint64_t word = (static_cast<uint64_t>(b.v[lane]) << 32) | b.v[lane + 1];
    const auto scaled = static_cast<uint64_t>((static_cast<unsigned __int128>(word) * range) >> 64);
    return low + static_cast<int64_t>(scaled);
  });
}

}  // namespace nimbus
