// CUDA elementwise kernels: unary, binary (arithmetic, activation backward, comparisons, logic),
// where, and the strided device copy the other kernels use. The op/dtype matrix is the CPU's
// (one table, kernels/elementwise_functors.h) and every value goes through the same functor
// (kernels/functors/), so the GPU computes what the CPU computes; the loops differ only in how
// elements are assigned to threads (Note [CUDA strided indexing]).
#include <type_traits>

#include "kernels/cuda/elementwise_loops.cuh"
#include "kernels/elementwise_functors.h"

namespace nimbus::cuda {

namespace {

struct Identity {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return x; }
};

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

template <typename T>
struct WhereApply {
  T* out;
  const bool* cond;
  const T* a;
  const T* b;
  __device__ void operator()(const std::array<int64_t, 4>& off) const {
    out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]];
  }
};

void where_kernel(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  NIMBUS_DISPATCH(out.dtype(), "where", [&]<typename T>() {
    const WhereApply<T> apply{static_cast<T*>(out.data_ptr()), static_cast<const bool*>(cond.data_ptr()),
                              static_cast<const T*>(a.data_ptr()), static_cast<const T*>(b.data_ptr())};
    launch_elementwise<4>({&out, &cond, &a, &b}, apply);
  });
}

// Moves the stored value unchanged: 16-bit types are copied as their bits (no round trip through
// float, so NaN payloads survive).
template <typename T>
struct CopyApply {
  T* out;
  const T* in;
  __device__ void operator()(const std::array<int64_t, 2>& off) const { out[off[0]] = in[off[1]]; }
};

}  // namespace

void element_copy(const Tensor& dst, const Tensor& src) {
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous() && dst.shape() == src.shape()) {
    // Dense bytes: the copy engine's own path, at full bandwidth.
    const size_t bytes = static_cast<size_t>(dst.numel()) * dst.element_size();
    if (bytes == 0) return;
    DeviceScope scope(dst.device().index);
    NIMBUS_CUDA_CHECK(cudaMemcpyAsync(dst.data_ptr(), src.data_ptr(), bytes, cudaMemcpyDeviceToDevice,
                                      current_cuda_stream(dst.device())));
    return;
  }
  if (dst.dtype() == src.dtype()) {
    NIMBUS_DISPATCH(dst.dtype(), "copy", [&]<typename T>() {
      const CopyApply<T> apply{static_cast<T*>(dst.data_ptr()), static_cast<const T*>(src.data_ptr())};
      launch_elementwise<2>({&dst, &src}, apply);
    });
    return;
  }
  // Converting: through the source's compute type, as the CPU's copy does (runtime/convert.h).
  NIMBUS_DISPATCH(src.dtype(), "copy", [&]<typename From>() {
    NIMBUS_DISPATCH(dst.dtype(), "copy", [&]<typename To>() { unary_loop<From, To>(dst, src, Identity{}); });
  });
}

Tensor contiguous_on_device(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = empty(t.shape(), {t.dtype(), t.device()});
  NIMBUS_DISPATCH(t.dtype(), "copy", [&]<typename T>() {
    const CopyApply<T> apply{static_cast<T*>(out.data_ptr()), static_cast<const T*>(t.data_ptr())};
    launch_elementwise<2>({&out, &t}, apply);
  });
  return out;
}

void fill_elementwise_kernels(KernelTable& table) {
  table.unary = unary_kernel;
  table.binary = binary_kernel;
  table.where = where_kernel;
}

}  // namespace nimbus::cuda
