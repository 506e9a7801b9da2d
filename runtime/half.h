#pragma once
// IEEE binary16 (Half) and bfloat16 (BFloat16) storage types with conversions to and from float.
//
// Note [16-bit conversions]
// Storage is a raw uint16_t; all arithmetic happens in float (ops load, compute in f32, store).
// float -> half/bfloat16 rounds to nearest, ties to even, in integer arithmetic so that the result
// does not depend on the FPU's flush-to-zero or rounding mode, on the host or on a GPU. NaNs stay
// NaN (the quiet bit is forced, the sign and top payload bits are kept); overflow gives infinity;
// half subnormals are produced and read exactly. half/bfloat16 -> float is exact.
#include <cstdint>
#include <cstring>

#include "runtime/macros.h"

namespace nimbus {

namespace detail {
NIMBUS_INLINE uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}
NIMBUS_INLINE float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

// Rounds `value >> shift` to nearest even, given the bits shifted out.
NIMBUS_INLINE uint32_t round_shift_rne(uint32_t value, int shift) {
  const uint32_t kept = value >> shift;
  const uint32_t rest = value & ((1u << shift) - 1u);
  const uint32_t half_way = 1u << (shift - 1);
  return kept + ((rest > half_way || (rest == half_way && (kept & 1u))) ? 1u : 0u);
}
}  // namespace detail

NIMBUS_INLINE uint16_t float_to_half_bits(float f) {
  const uint32_t x = detail::float_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));  // NaN
  const int exponent = static_cast<int>(ax >> 23) - 127 + 15;  // biased half exponent
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00u);  // infinity or overflow
  if (exponent <= 0) {
    // Half subnormal (or zero): value = mantissa24 * 2^(E-150) = r * 2^-24, r = mantissa24 >> (14-exponent).
    if (exponent < -10) return static_cast<uint16_t>(sign);
    const uint32_t mantissa = (ax & 0x7fffffu) | 0x800000u;
    // A carry out of the subnormal range yields 0x400, the encoding of the smallest normal.
    return static_cast<uint16_t>(sign | detail::round_shift_rne(mantissa, 14 - exponent));
  }
  const uint32_t unrounded = (static_cast<uint32_t>(exponent) << 23) | (ax & 0x7fffffu);
  // A mantissa carry propagates into the exponent, and 0x7bff + 1 = 0x7c00 is infinity: both right.
  return static_cast<uint16_t>(sign | detail::round_shift_rne(unrounded, 13));
}

NIMBUS_INLINE float half_bits_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return detail::bits_float(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {
    // Subnormal: mantissa * 2^-24 is exact in float.
    const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
    return sign ? -magnitude : magnitude;
  }
  return detail::bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

NIMBUS_INLINE uint16_t float_to_bfloat16_bits(float f) {
  const uint32_t x = detail::float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

NIMBUS_INLINE float bfloat16_bits_to_float(uint16_t b) {
  return detail::bits_float(static_cast<uint32_t>(b) << 16);
}

// 16-bit storage types. They convert implicitly to float so that generic code can load them as
// float, and explicitly from float (rounding to nearest even).
struct Half {
  uint16_t bits = 0;
  Half() = default;
  NIMBUS_HD explicit Half(float f) : bits(float_to_half_bits(f)) {}
  NIMBUS_HD operator float() const { return half_bits_to_float(bits); }
  NIMBUS_HD static Half from_bits(uint16_t b) {
    Half h;
    h.bits = b;
    return h;
  }
};

struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  NIMBUS_HD explicit BFloat16(float f) : bits(float_to_bfloat16_bits(f)) {}
  NIMBUS_HD operator float() const { return bfloat16_bits_to_float(bits); }
  NIMBUS_HD static BFloat16 from_bits(uint16_t b) {
    BFloat16 h;
    h.bits = b;
    return h;
  }
};

static_assert(sizeof(Half) == 2 && sizeof(BFloat16) == 2);

}  // namespace nimbus
