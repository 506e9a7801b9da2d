#pragma once
// Elementwise launchers over N operands of one shape (Note [CUDA strided indexing]). An "apply"
// object receives the element offsets of its operands and does the load, the single-source functor
// (kernels/functors/) and the store, so the same kernels serve unary, binary, where and copies.
#include <array>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/offset_calculator.cuh"
#include "runtime/convert.h"

namespace nimbus::cuda {

template <int N, typename Apply>
__global__ void contiguous_kernel(int64_t n, Apply apply) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    std::array<int64_t, N> off;
    for (int k = 0; k < N; ++k) off[k] = i;
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
  if (calc.contiguous()) contiguous_kernel<N><<<blocks_for(n), kBlockSize, 0, stream>>>(n, apply);
  else strided_kernel<N><<<blocks_for(n), kBlockSize, 0, stream>>>(n, calc, apply);
  NIMBUS_CUDA_CHECK_LAUNCH();
}

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
  const BinaryApply<In, Out, F> apply{static_cast<Out*>(out.data_ptr()), static_cast<const In*>(a.data_ptr()),
                                      static_cast<const In*>(b.data_ptr()), f};
  launch_elementwise<3>({&out, &a, &b}, apply);
}

}  // namespace nimbus::cuda
