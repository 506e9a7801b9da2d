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

// p, g, buf in compute type C; buf is unused without momentum.
template <typename C>
NIMBUS_INLINE void sgd_update(C& p, C g, C& buf, const SgdHyper& h) {
  if (h.weight_decay != 0) g += C(h.weight_decay) * p;
  if (h.momentum != 0) {
    buf = h.first_step ? g : C(h.momentum) * buf + C(1 - h.dampening) * g;
    g = h.nesterov ? g + C(h.momentum) * buf : buf;
  }
  p -= C(h.lr) * g;
}

struct AdamHyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled = false;  // AdamW: decay the weights directly instead of adding to the gradient
  int64_t step = 1;        // 1-based, for bias correction
};

template <typename C>
NIMBUS_INLINE void adam_update(C& p, C g, C& m, C& v, const AdamHyper& h) {
  if (h.weight_decay != 0) {
    if (h.decoupled) p *= C(1 - h.lr * h.weight_decay);
    else g += C(h.weight_decay) * p;
  }
  m = C(h.beta1) * m + C(1 - h.beta1) * g;
  v = C(h.beta2) * v + C(1 - h.beta2) * g * g;
#if defined(__CUDA_ARCH__)
  const double bc1 = 1 - ::pow(h.beta1, double(h.step)), bc2 = 1 - ::pow(h.beta2, double(h.step));
  const C denom = ::sqrt(v) / C(::sqrt(bc2)) + C(h.eps);
#else
  const double bc1 = 1 - std::pow(h.beta1, double(h.step)), bc2 = 1 - std::pow(h.beta2, double(h.step));
  const C denom = std::sqrt(v) / C(std::sqrt(bc2)) + C(h.eps);
#endif
  p -= C(h.lr / bc1) * m / denom;
}

}  // namespace nimbus::functors
