#pragma once
// Elementwise launchers over N operands of one shape (Note [CUDA strided indexing]). An "apply"
// object receives the element offsets of its operands and does the load, the single-source functor
// (kernels/functors/) and the store, so the same kernels serve unary, binary, where and copies.
//
// Note [Vectorized elementwise]
// Memory-bound loops reach the copy bandwidth only with wide accesses and several loads in flight
// per thread. When every operand is dense (stride 1) or a broadcast scalar (stride 0) and the dense
// pointers are 16-byte aligned, unary and binary ops take packs of V elements per thread (V * the
// widest element = 16 bytes: 4 floats, 8 bf16 values, 2 doubles) through one vector load per
// operand and one vector store; the elements of a pack go through the same functor one by one, so
// the values are those of the scalar loop. The tail (n mod V) and every other layout take the
// scalar loops: a multiply per operand for one-dim layouts, the offset calculator otherwise.
// (Pack loops have compile-time trip counts, which the compiler unrolls on its own.)
#include <array>
#include <cstdint>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/offset_calculator.cuh"
#include "runtime/convert.h"

namespace nimbus::cuda {

template <int N, typename Apply>
__global__ void linear_kernel(int64_t n, std::array<int64_t, N> stride, Apply apply) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    std::array<int64_t, N> off;
    for (int k = 0; k < N; ++k) off[k] = i * stride[k];
    apply(off);
  }
}

template <int N, typename Apply>
__global__ void strided_kernel(int64_t n, OffsetCalculator<N> calc, Apply apply) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step)
    apply(calc.get(i));
}

// Runs apply(offsets) for every element of `operands[0]`'s shape; operands[0] is the output.
template <int N, typename Apply>
void launch_elementwise(const std::array<const Tensor*, N>& operands, const Apply& apply) {
  const Tensor& out = *operands[0];
  const int64_t n = out.numel();
  if (n == 0) return;
  std::array<const Shape*, N> strides;
  for (int i = 0; i < N; ++i) strides[i] = &operands[i]->strides();
  const OffsetCalculator<N> calc(out.shape(), strides);
  DeviceScope scope(out.device().index);
  const cudaStream_t stream = current_cuda_stream(out.device());
  if (calc.linear()) {
    std::array<int64_t, N> stride;
    for (int i = 0; i < N; ++i) stride[i] = calc.linear_stride(i);
    linear_kernel<N><<<blocks_for(n), kBlockSize, 0, stream>>>(n, stride, apply);
  } else {
    strided_kernel<N><<<blocks_for(n), kBlockSize, 0, stream>>>(n, calc, apply);
  }
  NIMBUS_CUDA_CHECK_LAUNCH();
}

// ---- vectorized packs (Note [Vectorized elementwise]) ----

template <typename T, int V>
struct alignas(sizeof(T) * V) Pack {
  T v[V];
};

template <typename A, typename B>
constexpr int pack_width() {
  constexpr int widest = sizeof(A) > sizeof(B) ? static_cast<int>(sizeof(A)) : static_cast<int>(sizeof(B));
  return 16 / widest > 0 ? 16 / widest : 1;
}

// V elements of p from element i on; a broadcast operand repeats its single element.
template <int V, typename T>
__device__ NIMBUS_INLINE Pack<T, V> load_pack(const T* p, int64_t i, bool broadcast) {
  Pack<T, V> r;
  if (broadcast) {
    const T x = p[0];
    for (int k = 0; k < V; ++k) r.v[k] = x;
    return r;
  }
  return *reinterpret_cast<const Pack<T, V>*>(p + i);
}

// Whether an operand of one-dim layout `stride` can be read in packs of `bytes` bytes.
inline bool packable(const void* p, int64_t stride, size_t bytes) {
  return stride == 0 || (stride == 1 && reinterpret_cast<uintptr_t>(p) % bytes == 0);
}

template <int V, typename In, typename Out, typename F>
__global__ void unary_pack_kernel(int64_t n, Out* out, const In* in, bool in_scalar, F f) {
  using C = compute_t<In>;
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t packs = n / V;
  for (int64_t p = first; p < packs; p += step) {
    const Pack<In, V> x = load_pack<V>(in, p * V, in_scalar);
    Pack<Out, V> y;
    for (int k = 0; k < V; ++k) y.v[k] = convert<Out>(f(convert<C>(x.v[k])));
    *reinterpret_cast<Pack<Out, V>*>(out + p * V) = y;
  }
  for (int64_t i = packs * V + first; i < n; i += step) out[i] = convert<Out>(f(convert<C>(in[in_scalar ? 0 : i])));
}

template <int V, typename In, typename Out, typename F>
__global__ void binary_pack_kernel(int64_t n, Out* out, const In* a, bool a_scalar, const In* b, bool b_scalar, F f) {
  using C = compute_t<In>;
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t packs = n / V;
  for (int64_t p = first; p < packs; p += step) {
    const Pack<In, V> x = load_pack<V>(a, p * V, a_scalar);
    const Pack<In, V> y = load_pack<V>(b, p * V, b_scalar);
    Pack<Out, V> z;
    for (int k = 0; k < V; ++k) z.v[k] = convert<Out>(f(convert<C>(x.v[k]), convert<C>(y.v[k])));
    *reinterpret_cast<Pack<Out, V>*>(out + p * V) = z;
  }
  for (int64_t i = packs * V + first; i < n; i += step)
    out[i] = convert<Out>(f(convert<C>(a[a_scalar ? 0 : i]), convert<C>(b[b_scalar ? 0 : i])));
}

// The one-dim strides of out and the operands when the pack kernels apply, else nothing.
template <int N>
bool pack_layout(const std::array<const Tensor*, N>& operands, size_t pack_bytes_out,
                 const std::array<size_t, N>& pack_bytes, std::array<bool, N>& scalar) {
  std::array<const Shape*, N> strides;
  for (int i = 0; i < N; ++i) strides[i] = &operands[i]->strides();
  const OffsetCalculator<N> calc(operands[0]->shape(), strides);
  if (!calc.linear() || calc.linear_stride(0) != 1) return false;
  if (reinterpret_cast<uintptr_t>(operands[0]->data_ptr()) % pack_bytes_out != 0) return false;
  for (int i = 1; i < N; ++i) {
    if (!packable(operands[i]->data_ptr(), calc.linear_stride(i), pack_bytes[i])) return false;
    scalar[i] = calc.linear_stride(i) == 0;
  }
  return true;
}

// ---- unary and binary loops ----

// out = f(in), computing in compute_t<In>.
template <typename In, typename Out, typename F>
struct UnaryApply {
  Out* out;
  const In* in;
  F f;
  __device__ void operator()(const std::array<int64_t, 2>& off) const {
    out[off[0]] = convert<Out>(f(convert<compute_t<In>>(in[off[1]])));
  }
};

template <typename In, typename Out, typename F>
void unary_loop(const Tensor& out, const Tensor& in, const F& f) {
  constexpr int V = pack_width<In, Out>();
  const int64_t n = out.numel();
  std::array<bool, 2> scalar{};
  if (n >= V && pack_layout<2>({&out, &in}, sizeof(Out) * V, {0, sizeof(In) * V}, scalar)) {
    DeviceScope scope(out.device().index);
    unary_pack_kernel<V, In, Out, F><<<blocks_for((n + V - 1) / V), kBlockSize, 0, current_cuda_stream(out.device())>>>(
        n, static_cast<Out*>(out.data_ptr()), static_cast<const In*>(in.data_ptr()), scalar[1], f);
    NIMBUS_CUDA_CHECK_LAUNCH();
    return;
  }
  const UnaryApply<In, Out, F> apply{static_cast<Out*>(out.data_ptr()), static_cast<const In*>(in.data_ptr()), f};
  launch_elementwise<2>({&out, &in}, apply);
}

template <typename In, typename Out, typename F>
struct BinaryApply {
  Out* out;
  const In* a;
  const In* b;
  F f;
  __device__ void operator()(const std::array<int64_t, 3>& off) const {
    using C = compute_t<In>;
    out[off[0]] = convert<Out>(f(convert<C>(a[off[1]]), convert<C>(b[off[2]])));
  }
};

template <typename In, typename Out, typename F>
void binary_loop(const Tensor& out, const Tensor& a, const Tensor& b, const F& f) {
  constexpr int V = pack_width<In, Out>();
  const int64_t n = out.numel();
  std::array<bool, 3> scalar{};
  if (n >= V && pack_layout<3>({&out, &a, &b}, sizeof(Out) * V, {0, sizeof(In) * V, sizeof(In) * V}, scalar)) {
    DeviceScope scope(out.device().index);
    binary_pack_kernel<V, In, Out, F><<<blocks_for((n + V - 1) / V), kBlockSize, 0, current_cuda_stream(out.device())>>>(
        n, static_cast<Out*>(out.data_ptr()), static_cast<const In*>(a.data_ptr()), scalar[1],
        static_cast<const In*>(b.data_ptr()), scalar[2], f);
    NIMBUS_CUDA_CHECK_LAUNCH();
    return;
  }
  const BinaryApply<In, Out, F> apply{static_cast<Out*>(out.data_ptr()), static_cast<const In*>(a.data_ptr()),
                                      static_cast<const In*>(b.data_ptr()), f};
  launch_elementwise<3>({&out, &a, &b}, apply);
}

}  // namespace nimbus::cuda
