#pragma once
// Single-source activation functors beyond one library call: the tanh GELU and the fused
// backward passes grad * f'(saved) of relu, sigmoid, tanh, silu and both GELUs. Each backward is
// one binary functor (gradient, saved forward tensor), so it reads both once and writes once where
// the composed form made three to eight passes over memory.
//
// Note [Tanh GELU through exp]
// 0.5 x (1 + tanh(u)) = x sigmoid(2u) = x / (1 + e^{-2u}), with u = sqrt(2/pi) (x + 0.044715 x^3).
// The last form has no cancellation for negative u (1 + tanh(u) loses its digits there) and, with
// row_exp (Note [Row exp]), no library call, so float loops vectorize. The derivative is
// s + 2 x s (1 - s) u' with s = sigmoid(2u), and 1 - s = e^{-2u} s, again without cancellation.
// Far left (e^{-2u} past 3e38, or inf) the s (1 - s) term is below 1e-37 and is taken as 0,
// which keeps inf * 0 out. Accuracy (tests/kernels/activation_test.cpp, against float64): within
// 8 ulp on [-2, 2]; elsewhere the error stays below 4 epsilon times the result's terms times
// (1 + |2u|), the factor by which e^{-2u} amplifies the rounding of u itself (the exact function
// has the same sensitivity to its input). PyTorch's tanhf form loses all digits far left instead.
#include "kernels/functors/fast_exp.h"
#include "kernels/functors/unary.h"

namespace nimbus::functors {

namespace gelu_detail {
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluCubic = 0.044715;
constexpr double kHugeExp = 3.0e38;  // see Note [Tanh GELU through exp]

// e^{-2u} for the tanh GELU's u.
template <typename C>
NIMBUS_INLINE C gelu_tanh_exp(C u) {
  return row_exp<C>(C(-2) * u);
}
}  // namespace gelu_detail

struct GeluTanh {
  template <typename C> NIMBUS_INLINE C operator()(C x) const {
    const C u = C(gelu_detail::kSqrt2OverPi) * (x + C(gelu_detail::kGeluCubic) * x * x * x);
    return x / (C(1) + gelu_detail::gelu_tanh_exp(u));
  }
};

// ---- backward: (gradient, saved) -> gradient of the input ----

// `saved` is the forward's input or output (both are > 0 at the same places); NaN gives 0.
struct ReluBackward {
  template <typename C> NIMBUS_INLINE C operator()(C g, C saved) const { return saved > C(0) ? g : C(0); }
};
// From the output y = sigmoid(x): g y (1 - y).
struct SigmoidBackward {
  template <typename C> NIMBUS_INLINE C operator()(C g, C y) const { return g * (y * (C(1) - y)); }
};
// From the output y = tanh(x): g (1 - y^2).
struct TanhBackward {
  template <typename C> NIMBUS_INLINE C operator()(C g, C y) const { return g * (C(1) - y * y); }
};
// From the input: g s (1 + x (1 - s)), s = sigmoid(x).
struct SiluBackward {
  template <typename C> NIMBUS_INLINE C operator()(C g, C x) const {
    const C s = Sigmoid{}(x);
    return g * (s * (x * (C(1) - s) + C(1)));
  }
};
// From the input: g (Phi(x) + x phi(x)) with the exact normal CDF Phi and density phi.
struct GeluErfBackward {
  template <typename C> NIMBUS_INLINE C operator()(C g, C x) const {
    const C cdf = (NIMBUS_MATH(erf)(x * C(0.70710678118654752440)) + C(1)) * C(0.5);
    const C pdf = NIMBUS_MATH(exp)((x * x) * C(-0.5)) * C(0.39894228040143267794);
    return g * (cdf + x * pdf);
  }
};
// From the input, the derivative of GeluTanh (Note [Tanh GELU through exp]).
struct GeluTanhBackward {
  template <typename C> NIMBUS_INLINE C operator()(C g, C x) const {
    const C x2 = x * x;
    const C u = C(gelu_detail::kSqrt2OverPi) * (x + C(gelu_detail::kGeluCubic) * x2 * x);
    const C du = C(gelu_detail::kSqrt2OverPi) * (C(1) + C(3 * gelu_detail::kGeluCubic) * x2);
    const C e = gelu_detail::gelu_tanh_exp(u);
    const C s = C(1) / (C(1) + e);
    const C s_one_minus_s = e < C(gelu_detail::kHugeExp) ? (e * s) * s : C(0);
    return g * (s + C(2) * x * s_one_minus_s * du);
  }
};

}  // namespace nimbus::functors
