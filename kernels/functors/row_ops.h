#pragma once
// Single-source row functions of the NN ops (kernels/nn_ops.h): softmax, layer norm and
// cross-entropy each work on one row of n elements at a fixed element stride, and the losses
// have elementwise functors. The CPU backend runs one row per loop iteration across threads; a
// CUDA launcher can run the same functions one row per thread (a warp-level kernel may replace
// them where it pays, with a parity test). Every sum runs in a fixed order (sums of exp in eight
// interleaved partial sums, so the loop vectorizes), so a row's result does not depend on how rows
// are spread over threads or on the vector width. Float rows use exp_fast (Note [Row exp]).
//
// T is the storage type, Acc the accumulation type: float for f16/bf16/f32, double for f64.
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/functors/fast_exp.h"
#include "kernels/functors/unary.h"  // NIMBUS_MATH
#include "runtime/convert.h"

namespace nimbus::functors {

template <typename T>
using acc_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

// Largest element of a row; NaN wins (once seen it stays), so a NaN row gives NaN, not garbage.
template <typename Acc, typename T>
NIMBUS_INLINE Acc row_max(const T* x, int64_t n, int64_t s) {
  Acc m = -std::numeric_limits<Acc>::infinity();
  for (int64_t k = 0; k < n; ++k) {
    const Acc v = convert<Acc>(x[k * s]);
    if (v > m || v != v) m = v;
    if (m != m) break;
  }
  return m;
}

// sum_k exp(x_k - m), in eight interleaved partial sums added pairwise at the end.
template <typename Acc, typename T>
NIMBUS_INLINE Acc row_sum_exp(const T* x, int64_t n, int64_t s, Acc m) {
  constexpr int kLanes = 8;
  Acc part[kLanes] = {};
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (int j = 0; j < kLanes; ++j) part[j] += row_exp<Acc>(convert<Acc>(x[(k + j) * s]) - m);
  Acc tail = 0;
  for (; k < n; ++k) tail += row_exp<Acc>(convert<Acc>(x[k * s]) - m);
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7])) + tail;
}

// out = softmax(x) or log_softmax(x) along the row; subtracting the max keeps exp() <= 1.
template <typename T, typename Acc = acc_t<T>>
NIMBUS_HD void softmax_row(T* out, const T* x, int64_t n, int64_t s, bool log) {
  const Acc m = row_max<Acc>(x, n, s);
  const Acc sum = row_sum_exp<Acc>(x, n, s, m);
  if (log) {
    // (x - m) - log(sum), not x - (m + log(sum)): x - m is exact near the max, so large logits
    // keep their small log-probabilities to full precision.
    const Acc log_sum = NIMBUS_MATH(log)(sum);
    for (int64_t k = 0; k < n; ++k) out[k * s] = convert<T>((convert<Acc>(x[k * s]) - m) - log_sum);
  } else {
    const Acc inv = Acc(1) / sum;
    for (int64_t k = 0; k < n; ++k) out[k * s] = convert<T>(row_exp<Acc>(convert<Acc>(x[k * s]) - m) * inv);
  }
}

// softmax:     gi = y * (g - sum_k g_k y_k)
// log_softmax: gi = g - exp(y) * sum_k g_k
template <typename T, typename Acc = acc_t<T>>
NIMBUS_HD void softmax_backward_row(T* gi, const T* g, const T* y, int64_t n, int64_t s, bool log) {
  Acc dot = 0;
  for (int64_t k = 0; k < n; ++k) dot += log ? convert<Acc>(g[k * s]) : convert<Acc>(g[k * s]) * convert<Acc>(y[k * s]);
  for (int64_t k = 0; k < n; ++k) {
    const Acc gk = convert<Acc>(g[k * s]), yk = convert<Acc>(y[k * s]);
    gi[k * s] = convert<T>(log ? gk - row_exp<Acc>(yk) * dot : yk * (gk - dot));
  }
}

// Two passes (mean, then squared deviations) rather than sum of squares: no cancellation when
// the mean is large against the spread. The mean itself sums x - x[0], which is small when the
// values sit close together, so a large common offset does not eat the float accumulator's bits.
// Both sums accumulate in double: a float running sum over a row drifts by up to ~1e-6 relative
// at n = 1000 (measured against a GPU tree sum, which drifts ten times less), and the mean's error
// shows directly in the outputs near zero. Returns the biased variance, as layer norm uses.
template <typename Acc, typename T>
NIMBUS_INLINE void row_moments(const T* x, int64_t n, Acc& mean, Acc& var) {
  const Acc pivot = convert<Acc>(x[0]);
  double sum = 0;
  for (int64_t k = 0; k < n; ++k) sum += static_cast<double>(convert<Acc>(x[k]) - pivot);
  mean = pivot + static_cast<Acc>(sum / static_cast<double>(n));
  double ss = 0;
  for (int64_t k = 0; k < n; ++k) {
    const double d = static_cast<double>(convert<Acc>(x[k]) - mean);
    ss += d * d;
  }
  var = static_cast<Acc>(ss / static_cast<double>(n));
}

// One contiguous row of layer norm; w and b may be null. Stores the row's mean and rstd.
template <typename T, typename Acc = acc_t<T>>
NIMBUS_HD void layer_norm_row(T* out, Acc* mean_out, Acc* rstd_out, const T* x, const T* w, const T* b, int64_t n,
                              Acc eps) {
  Acc mean, var;
  row_moments<Acc>(x, n, mean, var);
  const Acc rstd = Acc(1) / NIMBUS_MATH(sqrt)(var + eps);
  *mean_out = mean;
  *rstd_out = rstd;
  for (int64_t k = 0; k < n; ++k) {
    Acc v = (convert<Acc>(x[k]) - mean) * rstd;
    if (w) v *= convert<Acc>(w[k]);
    if (b) v += convert<Acc>(b[k]);
    out[k] = convert<T>(v);
  }
}

// grad_input of one row: with xhat = (x - mean) * rstd and gw = g * w,
// gi = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)).
template <typename T, typename Acc = acc_t<T>>
NIMBUS_HD void layer_norm_backward_row(T* gi, const T* g, const T* x, const T* w, Acc mean, Acc rstd, int64_t n) {
  Acc sum_gw = 0, sum_gw_xhat = 0;
  for (int64_t k = 0; k < n; ++k) {
    const Acc gw = convert<Acc>(g[k]) * (w ? convert<Acc>(w[k]) : Acc(1));
    sum_gw += gw;
    sum_gw_xhat += gw * (convert<Acc>(x[k]) - mean) * rstd;
  }
  const Acc a = sum_gw / Acc(n), c = sum_gw_xhat / Acc(n);
  for (int64_t k = 0; k < n; ++k) {
    const Acc gw = convert<Acc>(g[k]) * (w ? convert<Acc>(w[k]) : Acc(1));
    gi[k] = convert<T>(rstd * (gw - a - (convert<Acc>(x[k]) - mean) * rstd * c));
  }
}

// Cross-entropy of one row of C logits (stride s) against class t, with label smoothing ls:
// (1 - ls) * -logp_t + ls / C * -sum_c logp_c, where logp_c = z_c - m - log(sum exp(z - m)).
template <typename T, typename Acc = acc_t<T>>
NIMBUS_HD Acc cross_entropy_row(const T* z, int64_t C, int64_t s, int64_t t, Acc ls) {
  const Acc m = row_max<Acc>(z, C, s);
  const Acc log_sum = NIMBUS_MATH(log)(row_sum_exp<Acc>(z, C, s, m));
  // As in softmax_row, logp_c = (z_c - m) - log_sum keeps precision for large logits.
  Acc loss = (Acc(1) - ls) * (log_sum - (convert<Acc>(z[t * s]) - m));
  if (ls != Acc(0)) {
    Acc sum_logp = 0;
    for (int64_t c = 0; c < C; ++c) sum_logp += (convert<Acc>(z[c * s]) - m) - log_sum;
    loss -= ls / Acc(C) * sum_logp;
  }
  return loss;
}

// d loss / d z_c = scale * (p_c - (1 - ls) [c == t] - ls / C).
template <typename T, typename Acc = acc_t<T>>
NIMBUS_HD void cross_entropy_backward_row(T* gz, const T* z, int64_t C, int64_t s, int64_t t, Acc ls, Acc scale) {
  const Acc m = row_max<Acc>(z, C, s);
  const Acc inv = Acc(1) / row_sum_exp<Acc>(z, C, s, m);
  for (int64_t c = 0; c < C; ++c) {
    const Acc p = row_exp<Acc>(convert<Acc>(z[c * s]) - m) * inv;
    gz[c * s] = convert<T>(scale * (p - (c == t ? Acc(1) - ls : Acc(0)) - ls / Acc(C)));
  }
}

// Stable BCE with logits: (1 - y) x + lw (log1p(exp(-|x|)) + max(-x, 0)), lw = 1 + (pw - 1) y.
// Every exp() argument is <= 0, so nothing overflows.
struct BceWithLogits {
  template <typename C> NIMBUS_INLINE C operator()(C x, C y, C pw) const {
    const C lw = C(1) + (pw - C(1)) * y;
    const C neg_x = -x;
    return (C(1) - y) * x + lw * (NIMBUS_MATH(log1p)(NIMBUS_MATH(exp)(-(x < C(0) ? neg_x : x))) +
                                  (neg_x > C(0) ? neg_x : C(0)));
  }
};
// d/dx = (1 - y) - lw * sigmoid(-x), with sigmoid(-x) written so that exp() never overflows.
struct BceWithLogitsGrad {
  template <typename C> NIMBUS_INLINE C operator()(C x, C y, C pw) const {
    const C lw = C(1) + (pw - C(1)) * y;
    C sig_neg;
    if (x >= C(0)) {
      const C e = NIMBUS_MATH(exp)(-x);
      sig_neg = e / (C(1) + e);
    } else {
      sig_neg = C(1) / (C(1) + NIMBUS_MATH(exp)(x));
    }
    return (C(1) - y) - lw * sig_neg;
  }
};

}  // namespace nimbus::functors
