#pragma once
// Single-source binary functors over compute type C (see unary.h).
#include <cmath>
#include <type_traits>

#include "kernels/functors/activation.h"  // the activation backward functors
#include "kernels/functors/unary.h"

namespace nimbus::functors {

// On bool, add is logical or and mul logical and (as in PyTorch).
struct Add {
  template <typename C> NIMBUS_INLINE C operator()(C a, C b) const {
    if constexpr (std::is_same_v<C, bool>) return a || b;
    else return a + b;
  }
};
struct Sub {
  template <typename C> NIMBUS_INLINE C operator()(C a, C b) const { return a - b; }
};
struct Mul {
  template <typename C> NIMBUS_INLINE C operator()(C a, C b) const {
    if constexpr (std::is_same_v<C, bool>) return a && b;
    else return a * b;
  }
};
struct Div {
  // Only floating types reach it (integer division promotes to float).
  template <typename C> NIMBUS_INLINE C operator()(C a, C b) const { return a / b; }
};
struct Pow {
  template <typename C> NIMBUS_INLINE C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      return NIMBUS_MATH(pow)(a, b);
    } else {
      // Integer power by squaring; negative exponents give 0 except for bases 1 and -1 (as PyTorch).
      if (b < C(0)) {
        if (a == C(1)) return C(1);
        if constexpr (std::is_signed_v<C>) {
          if (a == C(-1)) return (b % 2 == 0) ? C(1) : C(-1);
        }
        return C(0);
      }
      C result = C(1);
      while (b > C(0)) {
        if (b & C(1)) result = static_cast<C>(result * a);
        a = static_cast<C>(a * a);
        b = static_cast<C>(b >> 1);
      }
      return result;
    }
  }
};
struct Maximum {
  template <typename C> NIMBUS_INLINE C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (a != a) return a;  // NaN propagates
      if (b != b) return b;
    }
    return a < b ? b : a;
  }
};
struct Minimum {
  template <typename C> NIMBUS_INLINE C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (a != a) return a;
      if (b != b) return b;
    }
    return b < a ? b : a;
  }
};
struct Eq {
  template <typename C> NIMBUS_INLINE bool operator()(C a, C b) const { return a == b; }
};
struct Ne {
  template <typename C> NIMBUS_INLINE bool operator()(C a, C b) const { return a != b; }
};
struct Lt {
  template <typename C> NIMBUS_INLINE bool operator()(C a, C b) const { return a < b; }
};
struct Le {
  template <typename C> NIMBUS_INLINE bool operator()(C a, C b) const { return a <= b; }
};
struct Gt {
  template <typename C> NIMBUS_INLINE bool operator()(C a, C b) const { return a > b; }
};
struct Ge {
  template <typename C> NIMBUS_INLINE bool operator()(C a, C b) const { return a >= b; }
};
struct LogicalAnd {
  template <typename C> NIMBUS_INLINE bool operator()(C a, C b) const { return (a != C(0)) && (b != C(0)); }
};
struct LogicalOr {
  template <typename C> NIMBUS_INLINE bool operator()(C a, C b) const { return (a != C(0)) || (b != C(0)); }
};
struct LogicalXor {
  template <typename C> NIMBUS_INLINE bool operator()(C a, C b) const { return (a != C(0)) != (b != C(0)); }
};

}  // namespace nimbus::functors
