#pragma once
// Element conversion between any two dtypes, single-source (host and device).
// 16-bit floats go through float; conversion to bool tests for non-zero; float to integer
// truncates toward zero (out-of-range values are undefined, as in C++ and PyTorch), except that a
// negative float meets an unsigned type through int64 and wraps (-3.5 -> 253 as u8), on every
// device alike: a direct cast is undefined there and x86 wraps while the GPU saturates to 0.
#include <cstdint>
#include <type_traits>

#include "runtime/dtype.h"

namespace nimbus {

template <typename To, typename From>
NIMBUS_INLINE To convert(From value) {
  if constexpr (std::is_same_v<To, From>) {
    return value;
  } else if constexpr (std::is_same_v<From, Half> || std::is_same_v<From, BFloat16>) {
    return convert<To>(static_cast<float>(value));
  } else if constexpr (std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>) {
    return To(static_cast<float>(value));
  } else if constexpr (std::is_same_v<To, bool>) {
    return value != From(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_unsigned_v<To> && sizeof(To) < 8) {
    return static_cast<To>(static_cast<int64_t>(value));
  } else {
    return static_cast<To>(value);
  }
}

}  // namespace nimbus
