#pragma once
// Accumulation policies of the CPU reductions (reduction_cpu.cpp). A policy says how one output
// accumulates: init(), step(acc, x, c) for one element already converted to the compute type
// (`c` is the per-output mean for var's second pass, ignored elsewhere), and combine(acc, acc)
// for partial results, which the kernels always apply in index order.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "runtime/dtype.h"

namespace nimbus::cpu::reduce_ops {

template <typename T>
constexpr bool kFloating = std::is_floating_point_v<compute_t<T>>;

template <typename T>
struct SumOp {
  using Acc = std::conditional_t<kFloating<T>, double, int64_t>;
  static constexpr bool kCentered = false;
  Acc init() const { return Acc(0); }
  Acc step(Acc a, compute_t<T> x, double) const { return a + static_cast<Acc>(x); }
  Acc combine(Acc a, Acc b) const { return a + b; }
};

// Largest (smallest) value; a NaN, once seen, stays, as in PyTorch.
template <typename T, bool kMax>
struct ExtremeOp {
  // uint8_t for bool: partials live in std::vector, whose bool form packs bits (threads would race).
  using Acc = std::conditional_t<std::is_same_v<T, bool>, uint8_t, compute_t<T>>;
  static constexpr bool kCentered = false;
  Acc init() const {
    if constexpr (kFloating<T>) return kMax ? -std::numeric_limits<Acc>::infinity() : std::numeric_limits<Acc>::infinity();
    else return kMax ? std::numeric_limits<Acc>::lowest() : std::numeric_limits<Acc>::max();
  }
  Acc step(Acc a, compute_t<T> x, double) const { return combine(a, static_cast<Acc>(x)); }
  Acc combine(Acc a, Acc x) const {
    bool take = kMax ? x > a : x < a;  // false when a is NaN, so a NaN stays
    if constexpr (kFloating<T>) take = take | std::isnan(x);  // `|`, not `||`: no branch, so it vectorizes
    return take ? x : a;
  }
};

// Sum of squared deviations from the per-output mean (var's second pass).
template <typename T>
struct CenteredSquaresOp {
  using Acc = double;
  static constexpr bool kCentered = true;
  Acc init() const { return 0.0; }
  Acc step(Acc a, compute_t<T> x, double c) const {
    const double d = static_cast<double>(x) - c;
    return a + d * d;
  }
  Acc combine(Acc a, Acc b) const { return a + b; }
};

enum class NormKind { two, one, zero, inf, neg_inf, general };

// Norms accumulate sum |x|^p (or max/min |x|); the root is taken when the result is written.
template <typename T, NormKind kKind>
struct NormOp {
  using Acc = double;
  static constexpr bool kCentered = false;
  double p = 2.0;
  Acc init() const {
    return kKind == NormKind::neg_inf ? std::numeric_limits<double>::infinity() : 0.0;
  }
  Acc step(Acc a, compute_t<T> value, double) const {
    const double x = static_cast<double>(value);
    if constexpr (kKind == NormKind::two) return a + x * x;
    else if constexpr (kKind == NormKind::one) return a + std::fabs(x);
    else if constexpr (kKind == NormKind::zero) return a + (x != 0.0 ? 1.0 : 0.0);
    else if constexpr (kKind == NormKind::general) return a + std::pow(std::fabs(x), p);
    else if constexpr (kKind == NormKind::inf) return ((std::fabs(x) > a) | std::isnan(x)) ? std::fabs(x) : a;
    else return ((std::fabs(x) < a) | std::isnan(x)) ? std::fabs(x) : a;
  }
  Acc combine(Acc a, Acc b) const {
    if constexpr (kKind == NormKind::inf || kKind == NormKind::neg_inf) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
      return kKind == NormKind::inf ? std::max(a, b) : std::min(a, b);
    } else {
      return a + b;
    }
  }
};

}  // namespace nimbus::cpu::reduce_ops
