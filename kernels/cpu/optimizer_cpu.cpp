// CPU optimizer steps: the single-source update functors over contiguous memory, in parallel.
// 16-bit parameters are loaded to f32, updated, and rounded once on store.
#include "kernels/cpu/cpu_kernels.h"

#include <type_traits>

#include "kernels/functors/optimizer.h"
#include "runtime/convert.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

namespace {

// Calls fn with std::true_type or std::false_type: turns one run-time switch into a constant.
template <typename Fn>
void with_constant(bool value, Fn&& fn) {
  if (value) fn(std::true_type{});
  else fn(std::false_type{});
}

// Calls fn(SgdFlags<...>{}) with the hyper-parameters' switches as constants (Note [Update
// switches at compile time]); nesterov and first_step only matter with momentum.
template <typename Fn>
void with_sgd_flags(const functors::SgdHyper& h, Fn&& fn) {
  with_constant(h.weight_decay != 0, [&](auto decay) {
    if (h.momentum == 0) return fn(functors::SgdFlags<decay(), false, false, false>{});
    with_constant(h.nesterov, [&](auto nesterov) {
      with_constant(h.first_step, [&](auto first) { fn(functors::SgdFlags<decay(), true, nesterov(), first()>{}); });
    });
  });
}

}  // namespace

void sgd_step_kernel(const Tensor& param, const Tensor& grad, const Tensor& buf, const functors::SgdHyper& hyper) {
  NIMBUS_DISPATCH_FLOAT(param.dtype(), "sgd_step", [&]<typename T>() {
    using C = compute_t<T>;
    T* const __restrict p = param.data<T>();
    const T* const __restrict g = grad.data<T>();
    // Without momentum the buffer is undefined and the update ignores it.
    T* const __restrict b = hyper.momentum != 0 ? buf.data<T>() : nullptr;
    const functors::SgdCoefficients<C> k(hyper);  // once per step, not per element
    with_sgd_flags(hyper, [&](auto flags) {
      parallel_for(param.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          C pv = convert<C>(p[i]), bv = flags.has_momentum ? convert<C>(b[i]) : C(0);
          functors::sgd_update<C>(pv, convert<C>(g[i]), bv, k, flags);
          p[i] = convert<T>(pv);
          if (flags.has_momentum) b[i] = convert<T>(bv);
        }
      });
    });
  });
}

void adam_step_kernel(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                      const functors::AdamHyper& hyper) {
  NIMBUS_DISPATCH_FLOAT(param.dtype(), "adam_step", [&]<typename T>() {
    using C = compute_t<T>;
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* m = exp_avg.data<T>();
    T* v = exp_avg_sq.data<T>();
    const functors::AdamCoefficients<C> k(hyper);  // once per step, not per element
    parallel_for(param.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        C pv = convert<C>(p[i]), mv = convert<C>(m[i]), vv = convert<C>(v[i]);
        functors::adam_update<C>(pv, convert<C>(g[i]), mv, vv, k);
        p[i] = convert<T>(pv);
        m[i] = convert<T>(mv);
        v[i] = convert<T>(vv);
      }
    });
  });
}

}  // namespace nimbus::cpu
