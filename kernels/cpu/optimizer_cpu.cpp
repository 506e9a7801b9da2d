// CPU optimizer steps: the single-source update functors over contiguous memory, in parallel.
// 16-bit parameters are loaded to f32, updated, and rounded once on store.
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/functors/optimizer.h"
#include "runtime/convert.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

void sgd_step_kernel(const Tensor& param, const Tensor& grad, const Tensor& buf, const functors::SgdHyper& hyper) {
  NIMBUS_DISPATCH_FLOAT(param.dtype(), "sgd_step", [&]<typename T>() {
    using C = compute_t<T>;
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    const functors::SgdCoefficients<C> k(hyper);  // once per step, not per element
    if (hyper.momentum == 0) {
      parallel_for(param.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          C pv = convert<C>(p[i]), unused = C(0);
          functors::sgd_update<C>(pv, convert<C>(g[i]), unused, k);
          p[i] = convert<T>(pv);
        }
      });
      return;
    }
    T* b = buf.data<T>();
    parallel_for(param.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        C pv = convert<C>(p[i]), bv = convert<C>(b[i]);
        functors::sgd_update<C>(pv, convert<C>(g[i]), bv, k);
        p[i] = convert<T>(pv);
        b[i] = convert<T>(bv);
      }
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
