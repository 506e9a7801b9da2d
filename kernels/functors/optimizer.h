#pragma once
// Single-source optimizer updates, one element at a time: the whole step of a parameter (weight
// decay, moments, bias correction, the update) in one pass over its memory, on the CPU here and on
// the GPU from the same source. Semantics follow torch.optim.SGD / Adam / AdamW.
#include <cmath>

#include "runtime/macros.h"

namespace nimbus::functors {

struct SgdHyper {
  double lr = 0.01, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
  bool first_step = true;  // the momentum buffer starts as the first gradient
};

// The per-step constants of an SGD update in compute type C, converted once per step rather than
// per element (the conversions and branches kept the loop scalar). Same values, same rounding.
template <typename C>
struct SgdCoefficients {
  C lr, momentum, one_minus_dampening, weight_decay;
  bool decay, has_momentum, nesterov, first_step;

  explicit SgdCoefficients(const SgdHyper& h)
      : lr(C(h.lr)), momentum(C(h.momentum)), one_minus_dampening(C(1 - h.dampening)),
        weight_decay(C(h.weight_decay)), decay(h.weight_decay != 0), has_momentum(h.momentum != 0),
        nesterov(h.nesterov), first_step(h.first_step) {}
};

// Note [Update switches at compile time]
// sgd_update reads its on/off switches (weight decay, momentum, Nesterov, first step) through a
// Flags argument. The coefficients themselves serve as run-time flags (the GPU kernel: a branch
// every thread takes alike costs nothing there). The CPU loop passes SgdFlags, whose switches are
// constants, so the per-element loop has no branch left and vectorizes: with run-time switches it
// ran one float at a time, 10% of the mlp training step. (Adam's loop vectorizes as it is: its
// switches select between values rather than guard stores.)
template <bool Decay, bool Momentum, bool Nesterov, bool FirstStep>
struct SgdFlags {
  static constexpr bool decay = Decay, has_momentum = Momentum, nesterov = Nesterov, first_step = FirstStep;
};

// p, g, buf in compute type C; buf is unused without momentum.
template <typename C, typename Flags>
NIMBUS_INLINE void sgd_update(C& p, C g, C& buf, const SgdCoefficients<C>& k, const Flags& f) {
  if (f.decay) g += k.weight_decay * p;
  if (f.has_momentum) {
    buf = f.first_step ? g : k.momentum * buf + k.one_minus_dampening * g;
    g = f.nesterov ? g + k.momentum * buf : buf;
  }
  p -= k.lr * g;
}

template <typename C>
NIMBUS_INLINE void sgd_update(C& p, C g, C& buf, const SgdCoefficients<C>& k) {
  sgd_update(p, g, buf, k, k);
}

struct AdamHyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled = false;  // AdamW: decay the weights directly instead of adding to the gradient
  int64_t step = 1;        // 1-based, for bias correction
};

// The per-step constants of an Adam update, in compute type C. The bias corrections
// 1 - beta^step are computed here once per step on the host: a pow per element cost as much as
// the rest of the update, and hoisted constants let the per-element loop vectorize. The values
// are the ones the per-element form computed, so the update rounds exactly as before.
template <typename C>
struct AdamCoefficients {
  C beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, decay_factor, step_size, bc2_sqrt;
  bool decay, decoupled;

  explicit AdamCoefficients(const AdamHyper& h) {
    const double bc1 = 1 - std::pow(h.beta1, double(h.step)), bc2 = 1 - std::pow(h.beta2, double(h.step));
    beta1 = C(h.beta1);
    one_minus_beta1 = C(1 - h.beta1);
    beta2 = C(h.beta2);
    one_minus_beta2 = C(1 - h.beta2);
    eps = C(h.eps);
    weight_decay = C(h.weight_decay);
    decay_factor = C(1 - h.lr * h.weight_decay);
    step_size = C(h.lr / bc1);
    bc2_sqrt = C(std::sqrt(bc2));
    decay = h.weight_decay != 0;
    decoupled = h.decoupled;
  }
};

template <typename C>
NIMBUS_INLINE void adam_update(C& p, C g, C& m, C& v, const AdamCoefficients<C>& k) {
  if (k.decay) {
    if (k.decoupled) p *= k.decay_factor;
    else g += k.weight_decay * p;
  }
  m = k.beta1 * m + k.one_minus_beta1 * g;
  v = k.beta2 * v + k.one_minus_beta2 * g * g;
#if defined(__CUDA_ARCH__)
  const C denom = ::sqrt(v) / k.bc2_sqrt + k.eps;
#else
  const C denom = std::sqrt(v) / k.bc2_sqrt + k.eps;
#endif
  p -= k.step_size * m / denom;
}

}  // namespace nimbus::functors
