#pragma once
// exp for float rows that the compiler can vectorize: no library call, no branch.
//
// Note [Row exp]
// Softmax and cross-entropy spend their time in exp. The C library's expf is a call the compiler
// cannot vectorize without fast-math, which would also let it reorder our sums. This version
// reduces x = n ln2 + r with |r| <= ln2/2 (Cody-Waite, two-part ln2), evaluates exp(r) by a
// degree-7 Taylor polynomial (truncation error below 1e-9 relative) and scales by 2^n through the
// exponent bits: within 2 ulp of expf over the range that matters (results below the smallest
// normal float flush to zero). NaN stays NaN, +inf gives +inf. Single-source: the GPU runs the
// same arithmetic, so both devices round alike. Doubles keep the library exp.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/functors/unary.h"  // NIMBUS_MATH
#include "runtime/half.h"            // detail::bits_float

namespace nimbus::functors {

NIMBUS_INLINE float exp_fast(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;        // ln 2 with the low bits cleared: n * kLn2Hi is exact
  constexpr float kLn2Lo = 1.42860682030941723212e-6f;  // ln 2 - kLn2Hi
  constexpr float kRound = 12582912.0f;                  // 1.5 * 2^23: adding it rounds to an integer
  constexpr float kMin = -87.33654f, kMax = 88.72283f;  // exp is a normal, finite float between them
  const float clamped = x < kMin ? kMin : (x > kMax ? kMax : x);
  const float n = (clamped * kLog2e + kRound) - kRound;
  const float r = (clamped - n * kLn2Hi) - n * kLn2Lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^n as float bits; n is in [-126, 128] after the clamp. Split into two factors so that 2^128
  // (past the largest exponent) is still reachable.
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t half = ni / 2;
  const float scale1 = detail::bits_float(static_cast<uint32_t>(half + 127) << 23);
  const float scale2 = detail::bits_float(static_cast<uint32_t>(ni - half + 127) << 23);
  float result = p * scale1 * scale2;
  result = x < kMin ? 0.0f : result;  // below the smallest normal: flush
  result = x > kMax ? INFINITY : result;
  return x != x ? x : result;
}

// The exp a row op uses for its accumulation type.
template <typename Acc>
NIMBUS_INLINE Acc row_exp(Acc v) {
  if constexpr (std::is_same_v<Acc, float>) return exp_fast(v);
  else return NIMBUS_MATH(exp)(v);
}

}  // namespace nimbus::functors
