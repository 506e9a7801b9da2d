#pragma once
// The im2col and col2im kernels of the CUDA conv2d (conv.cu), and the geometry they share.
//
// Column layout, per image of a chunk: [C * kH * kW, L] with L = OH * OW, row (c, kh, kw). Since
// c = group * Cg + cg, image n's rows of group g start at (n * groups + g) * K with K = Cg * kH * kW:
// the [K, L] matrix of one (image, group) pair that the GEMMs read or write, as on the CPU
// (kernels/cpu/conv_cpu.cpp). All indexing is 64-bit.
#include <cstdint>

#include "kernels/conv_ops.h"
#include "kernels/cuda/cuda_kernels.h"
#include "runtime/convert.h"

namespace nimbus::cuda {

// Sizes of one conv2d call (passed to kernels by value).
struct ConvShape {
  int64_t N, C, H, W, O, kH, kW, OH, OW, groups, Cg, Og, K, L;
  int64_t sh, sw, ph, pw, dh, dw;

  // 1x1, stride 1, no padding: the image itself is its column matrix ([Cg, H * W] per group).
  bool direct() const { return kH == 1 && kW == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
  NIMBUS_HD int64_t column_rows() const { return C * kH * kW; }  // rows of one image's columns (groups * K)
};

inline ConvShape conv_shape(const Tensor& x, const Tensor& weight, const Conv2dParams& p, int64_t oh, int64_t ow) {
  ConvShape g{};
  g.N = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.O = weight.size(0), g.kH = weight.size(2), g.kW = weight.size(3), g.OH = oh, g.OW = ow;
  g.groups = p.groups, g.Cg = g.C / p.groups, g.Og = g.O / p.groups;
  g.K = g.Cg * g.kH * g.kW, g.L = oh * ow;
  g.sh = p.stride[0], g.sw = p.stride[1], g.ph = p.padding[0], g.pw = p.padding[1];
  g.dh = p.dilation[0], g.dw = p.dilation[1];
  return g;
}

// cols [images, C * kH * kW, L] from x [images, C, H, W]; padding reads as zero. One thread per
// column element: consecutive threads write consecutive l, and read along an input row.
template <typename T>
__global__ void im2col_kernel(T* cols, const T* x, ConvShape g, int64_t images) {
  const int64_t total = images * g.column_rows() * g.L;
  NIMBUS_GRID_STRIDE(i, total) {
    const int64_t l = i % g.L;
    int64_t r = i / g.L;
    const int64_t kw = r % g.kW;
    r /= g.kW;
    const int64_t kh = r % g.kH;
    r /= g.kH;  // r = n * C + c: the input plane
    const int64_t ih = (l / g.OW) * g.sh - g.ph + kh * g.dh;
    const int64_t iw = (l % g.OW) * g.sw - g.pw + kw * g.dw;
    T v = convert<T>(0.0f);
    if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) v = x[(r * g.H + ih) * g.W + iw];
    cols[i] = v;
  }
}

// gx [images, C, H, W] = the sum of the column entries [images, C * kH * kW, L] that each input
// element was copied to. One thread per input element gathers its at most kH * kW terms (one per
// (kh, kw), in that order: the order in which the CPU's col2im adds them), so no atomics and the
// same rounding as the CPU given the same columns. Sums in Acc, stored once as T.
template <typename T, typename Acc>
__global__ void col2im_kernel(T* gx, const Acc* cols, ConvShape g, int64_t images) {
  const int64_t total = images * g.C * g.H * g.W;
  NIMBUS_GRID_STRIDE(i, total) {
    const int64_t w = i % g.W;
    int64_t r = i / g.W;
    const int64_t h = r % g.H;
    r /= g.H;  // r = n * C + c
    const Acc* plane = cols + r * g.kH * g.kW * g.L;
    Acc sum = 0;
    for (int64_t kh = 0; kh < g.kH; ++kh) {
      // Output row oh reads input row oh * sh - ph + kh * dh; solve for oh.
      const int64_t th = h + g.ph - kh * g.dh;
      if (th < 0) break;  // grows more negative with kh
      if (th % g.sh != 0) continue;
      const int64_t oh = th / g.sh;
      if (oh >= g.OH) continue;
      for (int64_t kw = 0; kw < g.kW; ++kw) {
        const int64_t tw = w + g.pw - kw * g.dw;
        if (tw < 0) break;
        if (tw % g.sw != 0) continue;
        const int64_t ow = tw / g.sw;
        if (ow >= g.OW) continue;
        sum += plane[(kh * g.kW + kw) * g.L + oh * g.OW + ow];
      }
    }
    gx[i] = convert<T>(sum);
  }
}

}  // namespace nimbus::cuda
