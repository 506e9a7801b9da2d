#pragma once
// Strided, broadcasting, parallel loops that apply a single-source functor (kernels/functors/)
// elementwise. See Note [Strided iteration] in runtime/strided.h. Inputs are loaded, converted to
// the compute type C (float for f16/bf16), passed to the functor, and the result converted to the
// output type. The stride-1 and broadcast-scalar runs are separate loops so the compiler vectorizes
// them.
#include "runtime/convert.h"
#include "runtime/parallel.h"
#include "runtime/strided.h"

namespace nimbus::cpu {

// out[i] = f(in[i]); the runtime's strided map (tensor copies use it too).
template <typename In, typename Out, typename F>
void unary_loop(const Tensor& out, const Tensor& in, const F& f) {
  detail::map_strided<In, Out>(out, in, f);
}

template <typename In, typename Out, typename F>
void binary_loop(const Tensor& out, const Tensor& a, const Tensor& b, const F& f) {
  using C = compute_t<In>;
  Out* const o = static_cast<Out*>(out.data_ptr());
  const In* const pa0 = static_cast<const In*>(a.data_ptr());
  const In* const pb0 = static_cast<const In*>(b.data_ptr());
  const detail::StridedRuns<3> runs(out.shape(), {&out.strides(), &a.strides(), &b.strides()});
  const auto [so, sa, sb] = runs.inner_strides();
  parallel_for(runs.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
    runs.for_each_run(begin, end, [&](const std::array<int64_t, 3>& off, int64_t n) {
      Out* po = o + off[0];
      const In* pa = pa0 + off[1];
      const In* pb = pb0 + off[2];
      if (so == 1 && sa == 1 && sb == 1) {
        for (int64_t k = 0; k < n; ++k) po[k] = convert<Out>(f(convert<C>(pa[k]), convert<C>(pb[k])));
      } else if (so == 1 && sa == 1 && sb == 0) {
        const C vb = convert<C>(*pb);
        for (int64_t k = 0; k < n; ++k) po[k] = convert<Out>(f(convert<C>(pa[k]), vb));
      } else if (so == 1 && sa == 0 && sb == 1) {
        const C va = convert<C>(*pa);
        for (int64_t k = 0; k < n; ++k) po[k] = convert<Out>(f(va, convert<C>(pb[k])));
      } else {
        for (int64_t k = 0; k < n; ++k)
          po[k * so] = convert<Out>(f(convert<C>(pa[k * sa]), convert<C>(pb[k * sb])));
      }
    });
  });
}

}  // namespace nimbus::cpu
