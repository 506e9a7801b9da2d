// CPU kernels of conv2d, forward and backward: im2col + BLAS GEMM.
//
// Design
// - Per image and group, im2col lays the receptive fields out as columns [K, L] with
//   K = C/g * kH * kW and L = Hout * Wout; the forward is then one GEMM, weight [O/g, K] @ columns.
//   A 1x1 kernel with stride 1 and no padding needs no im2col: the image already is the columns.
// - f32/f64 call BLAS; f16/bf16 convert to f32 once, compute, and round once when stored (as the
//   GEMM kernel does), so every dtype shares one code path.
// - Images are spread over threads (each thread owns its column buffers; BLAS then runs one
//   thread per call, as inside any OpenMP region). A single large image runs alone so that BLAS
//   threads the GEMM itself.
// - Backward, per image: grad_columns = W^T @ grad_out, then col2im adds them into that image's
//   grad_input in a fixed loop order (no sharing between threads, so no atomics). grad_weight is
//   a sum over images: each image's product grad_out @ columns^T goes to its own slot, and the
//   slots are added in image order, in chunks of a fixed number of images, so the summation
//   order does not depend on the thread count. grad_bias sums (n, l) for each channel into eight
//   interleaved partial sums combined in a fixed tree (channel_sum): fixed order, vectorized.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/cpu/blas.h"
#include "kernels/cpu/cpu_kernels.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

namespace {

// Sizes of one conv2d call, derived once from the operands.
struct ConvGeometry {
  int64_t N, C, H, W, O, kH, kW, OH, OW, groups, Cg, Og, K, L;
  Conv2dParams p;
  bool direct;  // 1x1, stride 1, no padding: columns are the input itself

  ConvGeometry(const Tensor& x, const Tensor& weight, const Conv2dParams& params, int64_t oh, int64_t ow)
      : N(x.size(0)), C(x.size(1)), H(x.size(2)), W(x.size(3)), O(weight.size(0)), kH(weight.size(2)),
        kW(weight.size(3)), OH(oh), OW(ow), groups(params.groups), Cg(C / groups), Og(O / groups),
        K(Cg * kH * kW), L(oh * ow), p(params),
        direct(kH == 1 && kW == 1 && params.stride == Pair{1, 1} && params.padding == Pair{0, 0}) {}

  // Images in parallel unless there are few large ones (then BLAS threads each GEMM).
  bool images_in_parallel() const { return N >= max_threads() || 2 * Og * K * L * groups < (int64_t{1} << 24); }
};

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }  // a >= 0, b > 0

// The output columns [lo, hi) of one kernel column whose input column ow * stride + start lies
// inside [0, W): the rest read padding. Splitting the row this way leaves the inner loops without
// a bounds test per element, so they vectorize (a plain copy at stride 1).
struct ColumnSpan {
  int64_t lo, hi;
};
ColumnSpan valid_columns(int64_t OW, int64_t W, int64_t stride, int64_t start) {
  const int64_t lo = std::min(OW, start >= 0 ? 0 : ceil_div(-start, stride));
  const int64_t hi = std::min(OW, W - start <= 0 ? 0 : ceil_div(W - start, stride));
  return {lo, std::max(lo, hi)};
}

// Short copies and fills, inline. The rows im2col moves are as long as an output row (14 floats
// for a 14x14 map), where a library memmove/memset call per row costs more than the copy itself.
// Fixed-size memcpy/memset compile to single vector moves; the bytes past the last whole chunk
// are covered by one more chunk ending at the last byte, overlapping the one before (the source
// and destination are distinct buffers, so that writes the same values twice). Long rows go to
// the library, whose wider moves win there (a 56-wide map measured slower inline).
constexpr int64_t kInlineBytes = 128;

inline void copy_bytes(char* d, const char* s, int64_t bytes) {
  if (bytes > kInlineBytes) {
    std::memcpy(d, s, static_cast<size_t>(bytes));
  } else if (bytes >= 32) {
    int64_t i = 0;
    for (; i + 32 <= bytes; i += 32) std::memcpy(d + i, s + i, 32);
    if (i < bytes) std::memcpy(d + bytes - 32, s + bytes - 32, 32);
  } else if (bytes >= 16) {
    std::memcpy(d, s, 16);
    std::memcpy(d + bytes - 16, s + bytes - 16, 16);
  } else if (bytes >= 8) {
    std::memcpy(d, s, 8);
    std::memcpy(d + bytes - 8, s + bytes - 8, 8);
  } else if (bytes >= 4) {
    std::memcpy(d, s, 4);
  }
}

inline void zero_bytes(char* d, int64_t bytes) {
  if (bytes > kInlineBytes) {
    std::memset(d, 0, static_cast<size_t>(bytes));
  } else if (bytes >= 32) {
    int64_t i = 0;
    for (; i + 32 <= bytes; i += 32) std::memset(d + i, 0, 32);
    if (i < bytes) std::memset(d + bytes - 32, 0, 32);
  } else if (bytes >= 16) {
    std::memset(d, 0, 16);
    std::memset(d + bytes - 16, 0, 16);
  } else if (bytes >= 8) {
    std::memset(d, 0, 8);
    std::memset(d + bytes - 8, 0, 8);
  } else if (bytes >= 4) {
    std::memset(d, 0, 4);
  }
}

// n elements of float or double (whole multiples of 4 bytes); n <= 0 does nothing.
template <typename T>
void copy_short(T* dst, const T* src, int64_t n) {
  copy_bytes(reinterpret_cast<char*>(dst), reinterpret_cast<const char*>(src), n * int64_t{sizeof(T)});
}
template <typename T>
void zero_short(T* dst, int64_t n) {
  zero_bytes(reinterpret_cast<char*>(dst), n * int64_t{sizeof(T)});
}

// columns [K, L] of one image-group x [Cg, H, W]; padding reads as zero.
template <typename T>
void im2col(T* cols, const T* x, const ConvGeometry& g) {
  const int64_t sw = g.p.stride[1];
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t kh = 0; kh < g.kH; ++kh)
      for (int64_t kw = 0; kw < g.kW; ++kw) {
        T* row = cols + ((c * g.kH + kh) * g.kW + kw) * g.L;
        const int64_t start = kw * g.p.dilation[1] - g.p.padding[1];
        const ColumnSpan span = valid_columns(g.OW, g.W, sw, start);
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const int64_t ih = oh * g.p.stride[0] - g.p.padding[0] + kh * g.p.dilation[0];
          T* dst = row + oh * g.OW;
          if (ih < 0 || ih >= g.H) {
            zero_short(dst, g.OW);
            continue;
          }
          const T* src = x + (c * g.H + ih) * g.W;
          zero_short(dst, span.lo);
          if (sw == 1) {
            copy_short(dst + span.lo, src + span.lo + start, span.hi - span.lo);
          } else {
            for (int64_t ow = span.lo; ow < span.hi; ++ow) dst[ow] = src[ow * sw + start];
          }
          zero_short(dst + span.hi, g.OW - span.hi);
        }
      }
}

// Note [Padded im2col]
// On small maps the rows im2col copies are a few elements long (4 floats for a 4x4 map), and the
// per-row work of im2col above (where the row lies, zeroing its padded ends) costs more than the
// copy. For stride 1 without dilation and rows up to kPaddedRowLimit elements, the image is first
// copied into a zero-bordered [Cg, H + 2 ph, W + 2 pw] buffer; each column row is then OH copies
// of OW elements at fixed offsets, with no bounds logic. The columns are the same values.
constexpr int64_t kPaddedRowLimit = 16;

bool padded_im2col(const ConvGeometry& g) {
  return !g.direct && g.p.stride == Pair{1, 1} && g.p.dilation == Pair{1, 1} && g.OW <= kPaddedRowLimit;
}

// Elements of the zero-bordered copy padded_im2col needs, 0 when it does not apply.
int64_t padded_size(const ConvGeometry& g) {
  return padded_im2col(g) ? g.Cg * (g.H + 2 * g.p.padding[0]) * (g.W + 2 * g.p.padding[1]) : 0;
}

template <typename T>
void im2col_padded(T* cols, T* padded, const T* x, const ConvGeometry& g) {
  const int64_t ph = g.p.padding[0], pw = g.p.padding[1], Hp = g.H + 2 * ph, Wp = g.W + 2 * pw;
  std::memset(padded, 0, static_cast<size_t>(g.Cg * Hp * Wp) * sizeof(T));
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t h = 0; h < g.H; ++h) copy_short(padded + (c * Hp + h + ph) * Wp + pw, x + (c * g.H + h) * g.W, g.W);
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t kh = 0; kh < g.kH; ++kh)
      for (int64_t kw = 0; kw < g.kW; ++kw) {
        T* row = cols + ((c * g.kH + kh) * g.kW + kw) * g.L;
        const T* src = padded + (c * Hp + kh) * Wp + kw;
        for (int64_t oh = 0; oh < g.OH; ++oh) copy_short(row + oh * g.OW, src + oh * Wp, g.OW);
      }
}

// Adds columns [K, L] back into one image-group gx [Cg, H, W] (zeroed first), in row order.
template <typename T>
void col2im(T* gx, const T* cols, const ConvGeometry& g) {
  std::fill(gx, gx + g.Cg * g.H * g.W, T(0));
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t kh = 0; kh < g.kH; ++kh)
      for (int64_t kw = 0; kw < g.kW; ++kw) {
        const T* row = cols + ((c * g.kH + kh) * g.kW + kw) * g.L;
        const int64_t sw = g.p.stride[1], start = kw * g.p.dilation[1] - g.p.padding[1];
        const ColumnSpan span = valid_columns(g.OW, g.W, sw, start);
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const int64_t ih = oh * g.p.stride[0] - g.p.padding[0] + kh * g.p.dilation[0];
          if (ih < 0 || ih >= g.H) continue;
          // Each input element gets at most one term per (kh, kw) row: same order as before.
          T* dst = gx + (c * g.H + ih) * g.W;
          const T* src = row + oh * g.OW;
          if (sw == 1) {
            for (int64_t ow = span.lo; ow < span.hi; ++ow) dst[ow + start] += src[ow];
          } else {
            for (int64_t ow = span.lo; ow < span.hi; ++ow) dst[ow * sw + start] += src[ow];
          }
        }
      }
}

// Calls body(n, scratch) for each image, in parallel or not (see images_in_parallel), with
// `scratch_size` elements of per-thread scratch. The scratch is not zeroed: every use writes it
// whole first (im2col's columns, a GEMM with beta = 0), and at one small image zeroing it cost
// as much as filling it.
template <typename T, typename Body>
void for_each_image(const ConvGeometry& g, int64_t first, int64_t count, int64_t scratch_size, const Body& body) {
  auto piece = [&](int64_t begin, int64_t end) {
    const std::unique_ptr<T[]> scratch(new T[static_cast<size_t>(scratch_size)]);
    for (int64_t n = begin; n < end; ++n) body(first + n, scratch.get());
  };
  if (g.images_in_parallel()) {
    parallel_for(count, 1, piece);
  } else {
    piece(0, count);
  }
}

template <typename T>
void forward(T* out, const T* x, const T* w, const T* bias, const ConvGeometry& g) {
  for_each_image<T>(g, 0, g.N, g.direct ? 0 : g.K * g.L + padded_size(g), [&](int64_t n, T* cols) {
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const T* xg = x + (n * g.C + grp * g.Cg) * g.H * g.W;
      if (padded_im2col(g)) im2col_padded(cols, cols + g.K * g.L, xg, g);
      else if (!g.direct) im2col(cols, xg, g);
      T* og = out + (n * g.O + grp * g.Og) * g.L;
      // The bias is written first and the GEMM adds the product onto it (beta = 1), as linear does.
      if (bias != nullptr)
        for (int64_t o = 0; o < g.Og; ++o) std::fill(og + o * g.L, og + (o + 1) * g.L, bias[grp * g.Og + o]);
      gemm<T>(false, false, g.Og, g.L, g.K, T(1), w + grp * g.Og * g.K, g.K, g.direct ? xg : cols, g.L,
              bias != nullptr ? T(1) : T(0), og, g.L);
    }
  });
}

// The bias gradient of channel o: every (n, l) of grad_out. Eight interleaved partial sums,
// combined in a fixed tree, so the loop vectorizes and the order depends on nothing but L.
template <typename T>
T channel_sum(const T* gout, int64_t o, const ConvGeometry& g) {
  constexpr int64_t kLanes = 8;
  T lanes[kLanes] = {};
  for (int64_t n = 0; n < g.N; ++n) {
    const T* p = gout + (n * g.O + o) * g.L;
    int64_t l = 0;
    for (; l + kLanes <= g.L; l += kLanes)
      for (int64_t j = 0; j < kLanes; ++j) lanes[j] += p[l + j];
    for (int64_t j = 0; l + j < g.L; ++j) lanes[j] += p[l + j];
  }
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

template <typename T>
void backward(T* gx, T* gw, T* gb, const T* gout, const T* x, const T* w, const ConvGeometry& g) {
  if (gb != nullptr) {
    parallel_for(g.O, std::max<int64_t>(1, kDefaultGrain / std::max<int64_t>(g.N * g.L, 1)),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t o = begin; o < end; ++o) gb[o] = channel_sum(gout, o, g);
                 });
  }
  if (gx == nullptr && gw == nullptr) return;
  // Images per chunk of weight-gradient slots: fixed, so the summation order is too.
  constexpr int64_t kChunk = 16;
  const int64_t weight_size = g.O * g.K;
  std::vector<T> slots(gw != nullptr ? static_cast<size_t>(std::min(kChunk, g.N) * weight_size) : 0);
  if (gw != nullptr) std::fill(gw, gw + weight_size, T(0));
  // Scratch: the columns (weight gradient) and the grad columns (input gradient).
  const int64_t cols_size = g.direct ? 0 : g.K * g.L;
  for (int64_t first = 0; first < g.N; first += kChunk) {
    const int64_t count = std::min(kChunk, g.N - first);
    for_each_image<T>(g, first, count, 2 * cols_size, [&](int64_t n, T* scratch) {
      T* cols = scratch;
      T* grad_cols = scratch + cols_size;
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const T* go = gout + (n * g.O + grp * g.Og) * g.L;
        const int64_t xoff = (n * g.C + grp * g.Cg) * g.H * g.W;
        if (gw != nullptr) {
          if (!g.direct) im2col(cols, x + xoff, g);
          T* slot = slots.data() + (n - first) * weight_size + grp * g.Og * g.K;
          gemm<T>(false, true, g.Og, g.K, g.L, T(1), go, g.L, g.direct ? x + xoff : cols, g.L, T(0), slot, g.K);
        }
        if (gx != nullptr) {
          // Direct: the grad columns are the grad input itself.
          T* dst = g.direct ? gx + xoff : grad_cols;
          gemm<T>(true, false, g.K, g.L, g.Og, T(1), w + grp * g.Og * g.K, g.K, go, g.L, T(0), dst, g.L);
          if (!g.direct) col2im(gx + xoff, grad_cols, g);
        }
      }
    });
    if (gw != nullptr) {
      // In image order; split over weight elements, which does not change any element's order.
      parallel_for(weight_size, kDefaultGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = 0; i < count; ++i) {
          const T* slot = slots.data() + i * weight_size;
          for (int64_t e = begin; e < end; ++e) gw[e] += slot[e];
        }
      });
    }
  }
}

template <typename T>
T* data_or_null(const Tensor& t) {
  return t.defined() ? static_cast<T*>(t.data_ptr()) : nullptr;
}

// The f32 copy of an optional 16-bit operand.
Tensor compute_copy(const Tensor& t) { return t.defined() ? t.to(DType::f32) : t; }

void conv2d_kernel(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const Conv2dParams& params) {
  const ConvGeometry g(x, weight, params, out.size(2), out.size(3));
  switch (out.dtype()) {
    case DType::f32:
      return forward<float>(data_or_null<float>(out), data_or_null<float>(x), data_or_null<float>(weight),
                            data_or_null<float>(bias), g);
    case DType::f64:
      return forward<double>(data_or_null<double>(out), data_or_null<double>(x), data_or_null<double>(weight),
                             data_or_null<double>(bias), g);
    case DType::f16:
    case DType::bf16: {
      const Tensor out32 = empty(out.shape(), DType::f32);
      conv2d_kernel(out32, x.to(DType::f32), weight.to(DType::f32), compute_copy(bias), params);
      out.copy_(out32);
      return;
    }
    default: break;
  }
  NIMBUS_THROW(DTypeError, "conv2d: expected a floating dtype, got ", dtype_name(out.dtype()));
}

void conv2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_weight, const Tensor& grad_bias,
                            const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Conv2dParams& params) {
  const ConvGeometry g(x, weight, params, grad_out.size(2), grad_out.size(3));
  switch (x.dtype()) {
    case DType::f32:
      return backward<float>(data_or_null<float>(grad_input), data_or_null<float>(grad_weight),
                             data_or_null<float>(grad_bias), data_or_null<float>(grad_out), data_or_null<float>(x),
                             data_or_null<float>(weight), g);
    case DType::f64:
      return backward<double>(data_or_null<double>(grad_input), data_or_null<double>(grad_weight),
                              data_or_null<double>(grad_bias), data_or_null<double>(grad_out),
                              data_or_null<double>(x), data_or_null<double>(weight), g);
    case DType::f16:
    case DType::bf16: {
      auto f32_like = [](const Tensor& t) { return t.defined() ? empty(t.shape(), DType::f32) : Tensor(); };
      const Tensor gi = f32_like(grad_input), gw = f32_like(grad_weight), gb = f32_like(grad_bias);
      conv2d_backward_kernel(gi, gw, gb, grad_out.to(DType::f32), x.to(DType::f32), weight.to(DType::f32), params);
      if (gi.defined()) grad_input.copy_(gi);
      if (gw.defined()) grad_weight.copy_(gw);
      if (gb.defined()) grad_bias.copy_(gb);
      return;
    }
    default: break;
  }
  NIMBUS_THROW(DTypeError, "conv2d_backward: expected a floating dtype, got ", dtype_name(x.dtype()));
}

}  // namespace

void fill_conv_kernels(KernelTable& table) {
  table.conv2d = conv2d_kernel;
  table.conv2d_backward = conv2d_backward_kernel;
}

}  // namespace nimbus::cpu
