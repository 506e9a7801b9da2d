#pragma once
// Single-source unary functors: each maps one value of compute type C (float for the 16-bit
// floats, the dtype itself otherwise) to its result. The CPU backend calls them from vectorizable
// loops, the CUDA backend from its launchers, so the CPU tests check the GPU math too.
#include <cmath>
#include <type_traits>

#include "runtime/macros.h"

namespace nimbus::functors {

#if defined(__CUDA_ARCH__)
#define NIMBUS_MATH(fn) ::fn
#else
#define NIMBUS_MATH(fn) std::fn
#endif

struct Neg {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return -x; }
};
struct Abs {
  template <typename C> NIMBUS_INLINE C operator()(C x) const {
    if constexpr (std::is_unsigned_v<C>) return x;
    else return x < C(0) ? C(-x) : x;
  }
};
struct Exp {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return NIMBUS_MATH(exp)(x); }
};
struct Log {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return NIMBUS_MATH(log)(x); }
};
struct Sqrt {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return NIMBUS_MATH(sqrt)(x); }
};
struct Rsqrt {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return C(1) / NIMBUS_MATH(sqrt)(x); }
};
struct Sin {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return NIMBUS_MATH(sin)(x); }
};
struct Cos {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return NIMBUS_MATH(cos)(x); }
};
struct Tanh {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return NIMBUS_MATH(tanh)(x); }
};
struct Sigmoid {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return C(1) / (C(1) + NIMBUS_MATH(exp)(-x)); }
};
struct Relu {
  // NaN stays NaN (x > 0 is false for NaN, so test the opposite).
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return x < C(0) ? C(0) : x; }
};
struct Erf {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return NIMBUS_MATH(erf)(x); }
};
struct GeluErf {
  // x * Phi(x) with the exact normal CDF.
  template <typename C> NIMBUS_INLINE C operator()(C x) const {
    return C(0.5) * x * (C(1) + NIMBUS_MATH(erf)(x * C(0.70710678118654752440)));
  }
};
// GeluTanh is in activation.h: it needs the vectorizable exp.
struct Silu {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return x / (C(1) + NIMBUS_MATH(exp)(-x)); }
};
struct LogicalNot {
  template <typename C> NIMBUS_INLINE bool operator()(C x) const { return !(x != C(0)); }
};
// Bounds already converted to the compute type; NaN input stays NaN.
template <typename C>
struct Clamp {
  C lo, hi;
  bool has_lo, has_hi;
  NIMBUS_INLINE C operator()(C x) const {
    if (has_lo && x < lo) x = lo;
    if (has_hi && x > hi) x = hi;
    return x;
  }
};

}  // namespace nimbus::functors
