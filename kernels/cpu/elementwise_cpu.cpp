// CPU elementwise kernels: unary, binary and where, over every dtype.
#include <type_traits>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/elementwise_loops.h"
#include "kernels/elementwise_functors.h"

namespace nimbus::cpu {

void unary_kernel(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryArgs& args) {
  NIMBUS_DISPATCH(in.dtype(), "unary", [&]<typename T>() {
    const bool done = with_unary_functor<T>(
        op, args, [&]<typename Out>(const auto& f) { unary_loop<T, Out>(out, in, f); });
    NIMBUS_CHECK_T(DTypeError, done, "unary op ", static_cast<int>(op), " is not defined for ", dtype_name(in.dtype()));
  });
}

void binary_kernel(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  NIMBUS_DISPATCH(a.dtype(), "binary", [&]<typename T>() {
    const bool done =
        with_binary_functor<T>(op, [&]<typename Out>(const auto& f) { binary_loop<T, Out>(out, a, b, f); });
    NIMBUS_CHECK_T(DTypeError, done, "binary op ", static_cast<int>(op), " is not defined for ", dtype_name(a.dtype()));
  });
}

void where_kernel(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  NIMBUS_DISPATCH(out.dtype(), "where", [&]<typename T>() {
    T* const o = static_cast<T*>(out.data_ptr());
    const bool* const pc0 = static_cast<const bool*>(cond.data_ptr());
    const T* const pa0 = static_cast<const T*>(a.data_ptr());
    const T* const pb0 = static_cast<const T*>(b.data_ptr());
    const detail::StridedRuns<4> runs(out.shape(), {&out.strides(), &cond.strides(), &a.strides(), &b.strides()});
    const auto [so, sc, sa, sb] = runs.inner_strides();
    parallel_for(runs.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
      runs.for_each_run(begin, end, [&](const std::array<int64_t, 4>& off, int64_t n) {
        T* po = o + off[0];
        const bool* pc = pc0 + off[1];
        const T* pa = pa0 + off[2];
        const T* pb = pb0 + off[3];
        for (int64_t k = 0; k < n; ++k) po[k * so] = pc[k * sc] ? pa[k * sa] : pb[k * sb];
      });
    });
  });
}

}  // namespace nimbus::cpu
