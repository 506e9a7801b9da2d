#pragma once
// Single-source accumulation policies of the reductions (sum, mean, amax, amin, var, norm), used
// by the CPU kernels (kernels/cpu/reduction_cpu.cpp) and the CUDA ones (kernels/cuda/reduction.cu).
// A policy says how one output accumulates: init(), step(acc, x, c) for one element already
// converted to the compute type (`c` is the per-output mean for var's second pass, ignored
// elsewhere), and combine(acc, acc) for partial results. Each backend applies combine in an order
// fixed by the shape alone (the CPU in index order, CUDA in a fixed tree), so results do not vary
// run to run; the two orders differ, so floating sums agree between devices to rounding while
// extremes are exact.
//
// Accumulation types: double for floating sums, means, variances and norms; int64 for integer
// sums; the value type itself for amax/amin (uint8_t for bool, so that per-thread partials are
// addressable bytes, not the packed bits of std::vector<bool>).
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/functors/unary.h"  // NIMBUS_MATH
#include "runtime/dtype.h"

namespace nimbus::functors::reduce {

template <typename T>
constexpr bool kFloating = std::is_floating_point_v<compute_t<T>>;

// NaN test that vectorizes on the CPU and compiles for the device: NaN is the only value unequal to itself.
template <typename V>
NIMBUS_INLINE bool is_nan(V v) {
  if constexpr (std::is_floating_point_v<V>) return v != v;
  else return false;
}

template <typename T>
struct SumOp {
  using Acc = std::conditional_t<kFloating<T>, double, int64_t>;
  static constexpr bool kCentered = false;
  NIMBUS_INLINE Acc init() const { return Acc(0); }
  NIMBUS_INLINE Acc step(Acc a, compute_t<T> x, double) const { return a + static_cast<Acc>(x); }
  NIMBUS_INLINE Acc combine(Acc a, Acc b) const { return a + b; }
};

// Largest (smallest) value; a NaN, once seen, stays, as in PyTorch.
template <typename T, bool kMax>
struct ExtremeOp {
  using Acc = std::conditional_t<std::is_same_v<T, bool>, uint8_t, compute_t<T>>;
  static constexpr bool kCentered = false;
  NIMBUS_INLINE Acc init() const {
    if constexpr (kFloating<T>) return kMax ? -std::numeric_limits<Acc>::infinity() : std::numeric_limits<Acc>::infinity();
    else return kMax ? std::numeric_limits<Acc>::lowest() : std::numeric_limits<Acc>::max();
  }
  NIMBUS_INLINE Acc step(Acc a, compute_t<T> x, double) const { return combine(a, static_cast<Acc>(x)); }
  NIMBUS_INLINE Acc combine(Acc a, Acc x) const {
    bool take = kMax ? x > a : x < a;  // false when a is NaN, so a NaN stays
    take = take | is_nan(x);           // `|`, not `||`: no branch, so the CPU loop vectorizes
    return take ? x : a;
  }
};

// Sum of squared deviations from the per-output mean (var's second pass).
template <typename T>
struct CenteredSquaresOp {
  using Acc = double;
  static constexpr bool kCentered = true;
  NIMBUS_INLINE Acc init() const { return 0.0; }
  NIMBUS_INLINE Acc step(Acc a, compute_t<T> x, double c) const {
    const double d = static_cast<double>(x) - c;
    return a + d * d;
  }
  NIMBUS_INLINE Acc combine(Acc a, Acc b) const { return a + b; }
};

enum class NormKind { two, one, zero, inf, neg_inf, general };

// Norms accumulate sum |x|^p (or max/min |x|); the root is taken when the result is written.
template <typename T, NormKind kKind>
struct NormOp {
  using Acc = double;
  static constexpr bool kCentered = false;
  double p = 2.0;
  NIMBUS_INLINE Acc init() const { return kKind == NormKind::neg_inf ? std::numeric_limits<double>::infinity() : 0.0; }
  NIMBUS_INLINE Acc step(Acc a, compute_t<T> value, double) const {
    const double x = NIMBUS_MATH(fabs)(static_cast<double>(value));
    if constexpr (kKind == NormKind::two) return a + x * x;
    else if constexpr (kKind == NormKind::one) return a + x;
    else if constexpr (kKind == NormKind::zero) return a + (x != 0.0 ? 1.0 : 0.0);
    else if constexpr (kKind == NormKind::general) return a + NIMBUS_MATH(pow)(x, p);
    else if constexpr (kKind == NormKind::inf) return ((x > a) | is_nan(x)) ? x : a;
    else return ((x < a) | is_nan(x)) ? x : a;
  }
  NIMBUS_INLINE Acc combine(Acc a, Acc b) const {
    if constexpr (kKind == NormKind::inf || kKind == NormKind::neg_inf) {
      if (is_nan(a)) return a;
      if (is_nan(b)) return b;
      return kKind == NormKind::inf ? (a < b ? b : a) : (b < a ? b : a);
    } else {
      return a + b;
    }
  }
};

}  // namespace nimbus::functors::reduce
