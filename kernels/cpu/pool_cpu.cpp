// CPU kernels of max_pool2d and avg_pool2d, forward and backward.
//
// Design
// - Tensors are contiguous NCHW; every (n, c) plane is independent, so planes are spread over
//   threads with parallel_for and each plane is walked by one thread in a fixed order. The
//   backward passes scatter into their own plane only: no atomics, and the order in which
//   overlapping windows add into an input element is the output order, for any thread count.
// - f16/bf16 compute in f32 (acc_t), rounding once when stored.
// - Max pooling follows PyTorch's CPU rule: an element wins when it is greater than the running
//   max or is NaN, so NaN propagates and the index is that of the last NaN in the window; a
//   window of -inf keeps its first in-bounds position.
// - Max pooling with 2x2 windows at stride 2 (the CNN case), every window inside the input, takes
//   a branch-free path over pairs of input rows that the compiler vectorizes; it applies the same
//   winner rule in the same window order, so values and indices are those of the general loop.
// - The average's divisor follows PyTorch: the window clipped to the padded input when
//   count_include_pad, else to the input itself.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <type_traits>
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/functors/row_ops.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

namespace {

struct PlaneGeometry {
  int64_t planes, H, W, OH, OW;
};

PlaneGeometry geometry(const Tensor& in, const Tensor& out) {
  return {in.size(0) * in.size(1), in.size(2), in.size(3), out.size(2), out.size(3)};
}

// Planes per parallel piece: about kDefaultGrain elements of work.
int64_t plane_grain(int64_t plane_work) {
  return std::max<int64_t>(1, kDefaultGrain / std::max<int64_t>(plane_work, 1));
}

// One window's extent along one dim for avg pooling: [start, end) clipped to the input, and the
// divisor's share (clipped to the padded input, or to the input).
struct AvgSpan {
  int64_t start, end, count;
};
AvgSpan avg_span(int64_t o, int64_t in, int64_t k, int64_t s, int64_t pad, bool include_pad) {
  int64_t start = o * s - pad, end = std::min(start + k, in + pad);
  const int64_t padded_count = end - start;
  start = std::max<int64_t>(start, 0);
  end = std::min(end, in);
  return {start, end, include_pad ? padded_count : end - start};
}

// 2x2 windows at stride 2, no padding or dilation, every window inside the input.
bool is_plain_2x2(const Pool2dParams& p, const PlaneGeometry& g) {
  return p.kernel == Pair{2, 2} && p.stride == Pair{2, 2} && p.padding == Pair{0, 0} && p.dilation == Pair{1, 1} &&
         2 * g.OH <= g.H && 2 * g.OW <= g.W;
}

// `wins ? v : best` through the bits, so that the scalar remainder of a vectorized loop is
// branch-free too (the compiler turns a float select there into a jump, which random data
// mispredicts half the time).
template <typename Acc>
NIMBUS_INLINE Acc select_bits(bool wins, Acc v, Acc best) {
  using Bits = std::conditional_t<sizeof(Acc) == 4, uint32_t, uint64_t>;
  const Bits mask = Bits(0) - static_cast<Bits>(wins);
  return std::bit_cast<Acc>((std::bit_cast<Bits>(v) & mask) | (std::bit_cast<Bits>(best) & ~mask));
}

// One chunk of an output row of the 2x2 case: the window maxima of input rows r0 and r1 and the
// window position (0..3, row-major) of each. The window's first element starts as the max (the
// general loop's -inf start loses to it or ties with it and keeps its index); each later one wins
// when greater or NaN, as there. Bitwise `|` and masks, no branches, and the small position code
// kept apart from the 64-bit index: written this way the loop vectorizes.
template <typename T>
void max_2x2_chunk(const T* r0, const T* r1, T* out, int32_t* code, int64_t n) {
  using Acc = functors::acc_t<T>;
  for (int64_t j = 0; j < n; ++j) {
    Acc best = static_cast<Acc>(r0[2 * j]);
    int32_t k = 0;
    const auto take = [&](Acc v, int32_t position) {
      const bool wins = (v > best) | (v != v);
      best = select_bits(wins, v, best);
      k = (k & (static_cast<int32_t>(wins) - 1)) | (position & -static_cast<int32_t>(wins));
    };
    take(static_cast<Acc>(r0[2 * j + 1]), 1);
    take(static_cast<Acc>(r1[2 * j]), 2);
    take(static_cast<Acc>(r1[2 * j + 1]), 3);
    out[j] = static_cast<T>(best);
    code[j] = k;
  }
}

// One plane of the 2x2 case, row chunk by row chunk.
template <typename T>
void max_pool_2x2_plane(const T* xp, T* op, int64_t* ip, const PlaneGeometry& g) {
  constexpr int64_t kChunk = 256;
  int32_t code[kChunk];
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const T* r0 = xp + 2 * oh * g.W;
    for (int64_t ow0 = 0; ow0 < g.OW; ow0 += kChunk) {
      const int64_t n = std::min(kChunk, g.OW - ow0);
      max_2x2_chunk(r0 + 2 * ow0, r0 + g.W + 2 * ow0, op + oh * g.OW + ow0, code, n);
      if (ip == nullptr) continue;  // maxima only
      // Position code -> index h * W + w within the plane.
      int64_t* irow = ip + oh * g.OW + ow0;
      const int64_t base = 2 * oh * g.W + 2 * ow0;
      for (int64_t j = 0; j < n; ++j) irow[j] = base + 2 * j + (code[j] & 1) + (code[j] >> 1) * g.W;
    }
  }
}

void max_pool2d_kernel(const Tensor& out, const Tensor& indices, const Tensor& in, const Pool2dParams& p) {
  const PlaneGeometry g = geometry(in, out);
  NIMBUS_DISPATCH_FLOAT(in.dtype(), "max_pool2d", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    const T* const x = static_cast<const T*>(in.data_ptr());
    T* const o = static_cast<T*>(out.data_ptr());
    int64_t* const idx = indices.defined() ? static_cast<int64_t*>(indices.data_ptr()) : nullptr;
    const int64_t work = g.OH * g.OW * p.kernel[0] * p.kernel[1];
    const bool plain_2x2 = is_plain_2x2(p, g);
    parallel_for(g.planes, plane_grain(work), [&](int64_t begin, int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane) {
        const T* xp = x + plane * g.H * g.W;
        T* op = o + plane * g.OH * g.OW;
        int64_t* ip = idx != nullptr ? idx + plane * g.OH * g.OW : nullptr;
        if (plain_2x2) {
          max_pool_2x2_plane(xp, op, ip, g);
          continue;
        }
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          // First in-bounds row/col of the window (the padding rows are skipped, dilation kept).
          int64_t h0 = oh * p.stride[0] - p.padding[0];
          while (h0 < 0) h0 += p.dilation[0];
          const int64_t h1 = std::min(oh * p.stride[0] - p.padding[0] + (p.kernel[0] - 1) * p.dilation[0] + 1, g.H);
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            int64_t w0 = ow * p.stride[1] - p.padding[1];
            while (w0 < 0) w0 += p.dilation[1];
            const int64_t w1 =
                std::min(ow * p.stride[1] - p.padding[1] + (p.kernel[1] - 1) * p.dilation[1] + 1, g.W);
            Acc best = -INFINITY;
            int64_t best_index = h0 * g.W + w0;
            for (int64_t h = h0; h < h1; h += p.dilation[0])
              for (int64_t w = w0; w < w1; w += p.dilation[1]) {
                const Acc v = static_cast<Acc>(xp[h * g.W + w]);
                if (v > best || std::isnan(v)) {
                  best = v;
                  best_index = h * g.W + w;
                }
              }
            op[oh * g.OW + ow] = static_cast<T>(best);
            if (ip != nullptr) ip[oh * g.OW + ow] = best_index;
          }
        }
      }
    });
  });
}

void max_pool2d_backward_kernel(const Tensor& grad_in, const Tensor& grad_out, const Tensor& indices) {
  const PlaneGeometry g = geometry(grad_in, grad_out);
  NIMBUS_DISPATCH_FLOAT(grad_in.dtype(), "max_pool2d_backward", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    T* const gi = static_cast<T*>(grad_in.data_ptr());
    const T* const go = static_cast<const T*>(grad_out.data_ptr());
    const int64_t* const idx = static_cast<const int64_t*>(indices.data_ptr());
    const int64_t plane_in = g.H * g.W, plane_out = g.OH * g.OW;
    // An out-of-range index is flagged per plane and reported after the loop (no throwing
    // inside a parallel region).
    std::vector<uint8_t> bad(static_cast<size_t>(g.planes), 0);
    parallel_for(g.planes, plane_grain(plane_in + plane_out), [&](int64_t begin, int64_t end) {
      // Accumulate a plane in Acc so that f16/bf16 round once per element, not once per window.
      std::vector<Acc> acc(static_cast<size_t>(plane_in));
      for (int64_t plane = begin; plane < end; ++plane) {
        std::fill(acc.begin(), acc.end(), Acc(0));
        for (int64_t i = 0; i < plane_out; ++i) {
          const int64_t at = idx[plane * plane_out + i];
          if (at < 0 || at >= plane_in) {
            bad[static_cast<size_t>(plane)] = 1;
            continue;
          }
          acc[static_cast<size_t>(at)] += static_cast<Acc>(go[plane * plane_out + i]);
        }
        for (int64_t i = 0; i < plane_in; ++i) gi[plane * plane_in + i] = static_cast<T>(acc[static_cast<size_t>(i)]);
      }
    });
    NIMBUS_CHECK_T(ShapeError, std::find(bad.begin(), bad.end(), 1) == bad.end(),
                   "max_pool2d_backward: an index lies outside the input plane of ", plane_in, " elements");
  });
}

void avg_pool2d_kernel(const Tensor& out, const Tensor& in, const Pool2dParams& p) {
  const PlaneGeometry g = geometry(in, out);
  NIMBUS_DISPATCH_FLOAT(in.dtype(), "avg_pool2d", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    const T* const x = static_cast<const T*>(in.data_ptr());
    T* const o = static_cast<T*>(out.data_ptr());
    const int64_t work = g.OH * g.OW * p.kernel[0] * p.kernel[1];
    parallel_for(g.planes, plane_grain(work), [&](int64_t begin, int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane) {
        const T* xp = x + plane * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const AvgSpan sh = avg_span(oh, g.H, p.kernel[0], p.stride[0], p.padding[0], p.count_include_pad);
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const AvgSpan sw = avg_span(ow, g.W, p.kernel[1], p.stride[1], p.padding[1], p.count_include_pad);
            Acc sum = 0;
            for (int64_t h = sh.start; h < sh.end; ++h)
              for (int64_t w = sw.start; w < sw.end; ++w) sum += static_cast<Acc>(xp[h * g.W + w]);
            o[(plane * g.OH + oh) * g.OW + ow] = static_cast<T>(sum / static_cast<Acc>(sh.count * sw.count));
          }
        }
      }
    });
  });
}

void avg_pool2d_backward_kernel(const Tensor& grad_in, const Tensor& grad_out, const Pool2dParams& p) {
  const PlaneGeometry g = geometry(grad_in, grad_out);
  NIMBUS_DISPATCH_FLOAT(grad_in.dtype(), "avg_pool2d_backward", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    T* const gi = static_cast<T*>(grad_in.data_ptr());
    const T* const go = static_cast<const T*>(grad_out.data_ptr());
    const int64_t plane_in = g.H * g.W;
    const int64_t work = g.OH * g.OW * p.kernel[0] * p.kernel[1];
    parallel_for(g.planes, plane_grain(work), [&](int64_t begin, int64_t end) {
      std::vector<Acc> acc(static_cast<size_t>(plane_in));
      for (int64_t plane = begin; plane < end; ++plane) {
        std::fill(acc.begin(), acc.end(), Acc(0));
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const AvgSpan sh = avg_span(oh, g.H, p.kernel[0], p.stride[0], p.padding[0], p.count_include_pad);
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const AvgSpan sw = avg_span(ow, g.W, p.kernel[1], p.stride[1], p.padding[1], p.count_include_pad);
            const Acc share =
                static_cast<Acc>(go[(plane * g.OH + oh) * g.OW + ow]) / static_cast<Acc>(sh.count * sw.count);
            for (int64_t h = sh.start; h < sh.end; ++h)
              for (int64_t w = sw.start; w < sw.end; ++w) acc[static_cast<size_t>(h * g.W + w)] += share;
          }
        }
        for (int64_t i = 0; i < plane_in; ++i) gi[plane * plane_in + i] = static_cast<T>(acc[static_cast<size_t>(i)]);
      }
    });
  });
}

}  // namespace

void fill_pool_kernels(KernelTable& table) {
  table.max_pool2d = max_pool2d_kernel;
  table.max_pool2d_backward = max_pool2d_backward_kernel;
  table.avg_pool2d = avg_pool2d_kernel;
  table.avg_pool2d_backward = avg_pool2d_backward_kernel;
}

}  // namespace nimbus::cpu
