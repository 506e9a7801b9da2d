#pragma once
// CUDA max_pool2d and avg_pool2d, forward and backward, with the CPU's semantics
// (kernels/cpu/pool_cpu.cpp); their table entries are filled by conv.cu's fill_conv_kernels.
//
// Design
// - Tensors are contiguous NCHW and every (n, c) plane is independent. The forwards run one
//   thread per output element, walking its window in the CPU's order with the CPU's rules (max:
//   an element wins when greater than the running max or NaN, starting from -inf at the first
//   in-bounds position; avg: the divisor clipped to the padded input or to the input), so values
//   and indices are the CPU's bit for bit.
// - avg_pool2d_backward gathers: one thread per input element visits the output windows that
//   cover it in output order, adding the same shares the CPU scatters in that order. No atomics,
//   and the same rounding as the CPU.
// - max_pool2d_backward receives no window geometry (KernelTable::max_pool2d_backward has only the
//   indices), so it cannot find the windows covering an input element. It runs one thread per
//   plane that adds grad_out into the plane at the indices in output order: the CPU's loop, so
//   deterministic and bit-identical, at the cost of parallelism over planes only. Out-of-range
//   indices (which the CPU reports as an error) are skipped: a kernel cannot throw, and reporting
//   them would need a synchronizing read-back.
// - f16/bf16 compute in f32 and round once when stored.
// - cuDNN, when switched on (NIMBUS_CUDA_CUDNN=1, off by default), is tried first by the average
//   entries; whatever it declines runs here. Max pooling always runs here: its indices tie the
//   forward to the backward, and cuDNN's max pooling has no indices (Note [cuDNN pooling] in
//   cudnn_pool.cpp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/conv_ops.h"
#include "kernels/cuda/conv_columns.cuh"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cudnn_pool.h"
#include "kernels/kernel_switch.h"
#include "runtime/convert.h"

namespace nimbus::cuda::pool_kernels {

struct PoolShape {
  int64_t planes, H, W, OH, OW;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  bool count_include_pad;
};

inline PoolShape pool_shape(const Tensor& in, const Tensor& out, const Pool2dParams& p) {
  return {in.size(0) * in.size(1), in.size(2), in.size(3), out.size(2), out.size(3), p.kernel[0], p.kernel[1],
          p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1], p.count_include_pad};
}

// ---- max ----

// First in-bounds position of a window along one dim that starts at `start` (the CPU's
// `while (h0 < 0) h0 += dilation`).
NIMBUS_INLINE int64_t first_inside(int64_t start, int64_t dilation) {
  return start >= 0 ? start : start + ((-start + dilation - 1) / dilation) * dilation;
}

template <typename T>
__global__ void max_pool_kernel(T* out, int64_t* indices, const T* x, PoolShape s) {
  using Acc = compute_t<T>;
  const int64_t total = s.planes * s.OH * s.OW;
  NIMBUS_GRID_STRIDE(i, total) {
    const int64_t ow = i % s.OW, oh = (i / s.OW) % s.OH, plane = i / (s.OW * s.OH);
    const T* xp = x + plane * s.H * s.W;
    const int64_t hs = oh * s.sh - s.ph, ws = ow * s.sw - s.pw;
    const int64_t h0 = first_inside(hs, s.dh), w0 = first_inside(ws, s.dw);
    const int64_t h1 = std::min(hs + (s.kh - 1) * s.dh + 1, s.H), w1 = std::min(ws + (s.kw - 1) * s.dw + 1, s.W);
    Acc best = -INFINITY;
    int64_t best_index = h0 * s.W + w0;
    for (int64_t h = h0; h < h1; h += s.dh)
      for (int64_t w = w0; w < w1; w += s.dw) {
        const Acc v = convert<Acc>(xp[h * s.W + w]);
        if (v > best || v != v) {
          best = v;
          best_index = h * s.W + w;
        }
      }
    out[i] = convert<T>(best);
    if (indices != nullptr) indices[i] = best_index;  // null at inference
  }
}

// acc (zeroed) [planes, plane_in] += grad_out at indices, one thread per plane, in output order.
template <typename T, typename Acc>
__global__ void max_pool_backward_kernel(Acc* acc, const T* go, const int64_t* indices, int64_t planes,
                                         int64_t plane_in, int64_t plane_out) {
  NIMBUS_GRID_STRIDE(plane, planes) {
    Acc* a = acc + plane * plane_in;
    const T* g = go + plane * plane_out;
    const int64_t* idx = indices + plane * plane_out;
    for (int64_t j = 0; j < plane_out; ++j) {
      const int64_t at = idx[j];
      if (at >= 0 && at < plane_in) a[at] += convert<Acc>(g[j]);
    }
  }
}

template <typename T, typename Acc>
__global__ void round_store_kernel(T* out, const Acc* in, int64_t total) {
  NIMBUS_GRID_STRIDE(i, total) out[i] = convert<T>(in[i]);
}

// ---- avg ----

// One window's extent along one dim: [start, end) clipped to the input, and the divisor's share
// (the window clipped to the padded input, or to the input). The CPU's avg_span.
struct AvgSpan {
  int64_t start, end, count;
};
NIMBUS_INLINE AvgSpan avg_span(int64_t o, int64_t in, int64_t k, int64_t s, int64_t pad, bool include_pad) {
  int64_t start = o * s - pad, end = std::min(start + k, in + pad);
  const int64_t padded_count = end - start;
  start = std::max(start, int64_t{0});
  end = std::min(end, in);
  return {start, end, include_pad ? padded_count : end - start};
}

template <typename T>
__global__ void avg_pool_kernel(T* out, const T* x, PoolShape s) {
  using Acc = compute_t<T>;
  const int64_t total = s.planes * s.OH * s.OW;
  NIMBUS_GRID_STRIDE(i, total) {
    const int64_t ow = i % s.OW, oh = (i / s.OW) % s.OH, plane = i / (s.OW * s.OH);
    const T* xp = x + plane * s.H * s.W;
    const AvgSpan sh = avg_span(oh, s.H, s.kh, s.sh, s.ph, s.count_include_pad);
    const AvgSpan sw = avg_span(ow, s.W, s.kw, s.sw, s.pw, s.count_include_pad);
    Acc sum = 0;
    for (int64_t h = sh.start; h < sh.end; ++h)
      for (int64_t w = sw.start; w < sw.end; ++w) sum += convert<Acc>(xp[h * s.W + w]);
    out[i] = convert<T>(sum / static_cast<Acc>(sh.count * sw.count));
  }
}

// The output indices along one dim whose windows may cover input position p: a superset (the
// caller checks each with avg_span); empty when lo > hi.
struct OutRange {
  int64_t lo, hi;
};
NIMBUS_INLINE OutRange covering_outputs(int64_t p, int64_t k, int64_t s, int64_t pad, int64_t outs) {
  // Window o starts at o * s - pad <= p and ends before o * s - pad + k > p.
  const int64_t lo = p + pad < k ? 0 : (p + pad - k) / s + 1;
  return {lo, std::min((p + pad) / s, outs - 1)};
}

template <typename T>
__global__ void avg_pool_backward_kernel(T* gi, const T* go, PoolShape s) {
  using Acc = compute_t<T>;
  const int64_t total = s.planes * s.H * s.W;
  NIMBUS_GRID_STRIDE(i, total) {
    const int64_t w = i % s.W, h = (i / s.W) % s.H, plane = i / (s.W * s.H);
    const T* gp = go + plane * s.OH * s.OW;
    const OutRange rh = covering_outputs(h, s.kh, s.sh, s.ph, s.OH);
    const OutRange rw = covering_outputs(w, s.kw, s.sw, s.pw, s.OW);
    Acc sum = 0;
    for (int64_t oh = rh.lo; oh <= rh.hi; ++oh) {
      const AvgSpan sh = avg_span(oh, s.H, s.kh, s.sh, s.ph, s.count_include_pad);
      if (h < sh.start || h >= sh.end) continue;
      for (int64_t ow = rw.lo; ow <= rw.hi; ++ow) {
        const AvgSpan sw = avg_span(ow, s.W, s.kw, s.sw, s.pw, s.count_include_pad);
        if (w < sw.start || w >= sw.end) continue;
        // The CPU's share, computed and added in the CPU's (output) order.
        sum += convert<Acc>(gp[oh * s.OW + ow]) / static_cast<Acc>(sh.count * sw.count);
      }
    }
    gi[i] = convert<T>(sum);
  }
}

// ---- entries ----

inline void max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& in, const Pool2dParams& p) {
  if (out.numel() == 0) return;
  DeviceScope scope(out.device().index);
  const cudaStream_t stream = current_cuda_stream(out.device());
  const PoolShape s = pool_shape(in, out, p);
  NIMBUS_DISPATCH_FLOAT(in.dtype(), "max_pool2d", [&]<typename T>() {
    max_pool_kernel<T><<<blocks_for(out.numel()), kBlockSize, 0, stream>>>(
        static_cast<T*>(out.data_ptr()), indices.defined() ? static_cast<int64_t*>(indices.data_ptr()) : nullptr,
        static_cast<const T*>(in.data_ptr()), s);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

inline void max_pool2d_backward(const Tensor& grad_in, const Tensor& grad_out, const Tensor& indices) {
  if (grad_in.numel() == 0) return;
  const Device device = grad_in.device();
  DeviceScope scope(device.index);
  const cudaStream_t stream = current_cuda_stream(device);
  const int64_t planes = grad_in.size(0) * grad_in.size(1), plane_in = grad_in.size(2) * grad_in.size(3);
  const int64_t plane_out = grad_out.size(2) * grad_out.size(3);
  NIMBUS_DISPATCH_FLOAT(grad_in.dtype(), "max_pool2d_backward", [&]<typename T>() {
    using Acc = compute_t<T>;
    constexpr bool kWideAcc = !std::is_same_v<T, Acc>;
    // 16-bit planes accumulate in f32 and round once, as on the CPU.
    const Tensor acc_buf = kWideAcc ? empty(grad_in.shape(), {DType::f32, device}) : Tensor();
    Acc* const acc = static_cast<Acc*>(kWideAcc ? acc_buf.data_ptr() : grad_in.data_ptr());
    NIMBUS_CUDA_CHECK(cudaMemsetAsync(acc, 0, static_cast<size_t>(grad_in.numel()) * sizeof(Acc), stream));
    if (plane_out > 0) {
      // Small blocks: there is one thread per plane, so spread them over the multiprocessors.
      constexpr int kPlaneBlock = 64;
      max_pool_backward_kernel<T, Acc><<<blocks_for(planes, kPlaneBlock), kPlaneBlock, 0, stream>>>(
          acc, static_cast<const T*>(grad_out.data_ptr()), static_cast<const int64_t*>(indices.data_ptr()), planes,
          plane_in, plane_out);
      NIMBUS_CUDA_CHECK_LAUNCH();
    }
    if constexpr (kWideAcc) {
      round_store_kernel<T, Acc><<<blocks_for(grad_in.numel()), kBlockSize, 0, stream>>>(
          static_cast<T*>(grad_in.data_ptr()), acc, grad_in.numel());
      NIMBUS_CUDA_CHECK_LAUNCH();
    }
  });
}

inline void avg_pool2d(const Tensor& out, const Tensor& in, const Pool2dParams& p) {
  if (out.numel() == 0) return;
  DeviceScope scope(out.device().index);
  if (cudnn_switch().enabled() && cudnn_avg_pool2d_forward(out, in, p)) return;
  const cudaStream_t stream = current_cuda_stream(out.device());
  const PoolShape s = pool_shape(in, out, p);
  NIMBUS_DISPATCH_FLOAT(in.dtype(), "avg_pool2d", [&]<typename T>() {
    avg_pool_kernel<T><<<blocks_for(out.numel()), kBlockSize, 0, stream>>>(
        static_cast<T*>(out.data_ptr()), static_cast<const T*>(in.data_ptr()), s);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

inline void avg_pool2d_backward(const Tensor& grad_in, const Tensor& grad_out, const Pool2dParams& p) {
  if (grad_in.numel() == 0) return;
  DeviceScope scope(grad_in.device().index);
  if (cudnn_switch().enabled() && cudnn_avg_pool2d_backward(grad_in, grad_out, p)) return;
  const cudaStream_t stream = current_cuda_stream(grad_in.device());
  const PoolShape s = pool_shape(grad_in, grad_out, p);
  NIMBUS_DISPATCH_FLOAT(grad_in.dtype(), "avg_pool2d_backward", [&]<typename T>() {
    avg_pool_backward_kernel<T><<<blocks_for(grad_in.numel()), kBlockSize, 0, stream>>>(
        static_cast<T*>(grad_in.data_ptr()), static_cast<const T*>(grad_out.data_ptr()), s);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace nimbus::cuda::pool_kernels

namespace nimbus::cuda {

inline void fill_pool_entries(KernelTable& table) {
  table.max_pool2d = pool_kernels::max_pool2d;
  table.max_pool2d_backward = pool_kernels::max_pool2d_backward;
  table.avg_pool2d = pool_kernels::avg_pool2d;
  table.avg_pool2d_backward = pool_kernels::avg_pool2d_backward;
}

}  // namespace nimbus::cuda
