#pragma once
// The numbers a conv2d hands to cuDNN's descriptors, computed in plain C++ (no CUDA, no cuDNN
// header) so that they are unit-tested on any machine (tests/kernels/cudnn_conv_geometry_test.cpp).
// cuDNN's legacy descriptors take `int`, so a convolution whose sizes do not fit, or whose tensors
// hold 2^31 elements or more, is not handed to cuDNN at all: the caller runs the im2col kernels.
#include <array>
#include <cstdint>
#include <limits>
#include <optional>

namespace nimbus::cuda {

// A conv2d as the op sees it: x [N, C, H, W], weight [O, C / groups, kH, kW], out [N, O, OH, OW],
// symmetric padding (ph, pw), stride (sh, sw) and dilation (dh, dw), all NCHW contiguous.
struct ConvProblem {
  int64_t N, C, H, W, O, kH, kW, OH, OW, groups;
  int64_t sh, sw, ph, pw, dh, dw;
};

// The descriptor arguments: 4-d NCHW sizes of input and output, the filter's KCRS sizes (output
// channels, input channels per group, rows, columns) and the convolution's pads, strides,
// dilations and group count, in cuDNN's argument order.
struct CudnnConvGeometry {
  std::array<int, 4> input, filter, output;
  int pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w, groups;
};

// cuDNN's output size of one spatial dimension (cudnnGetConvolution2dForwardOutputDim's formula).
constexpr int64_t cudnn_output_size(int64_t in, int64_t pad, int64_t kernel, int64_t stride, int64_t dilation) {
  return (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
}

// The geometry of `p`, or nothing where cuDNN must not get it: an empty dimension (the kernels
// answer those without any arithmetic), a size outside int, a tensor of 2^31 elements or more,
// channels not divisible by the groups, or an output size other than cuDNN's formula gives (the
// descriptors would then describe another convolution than the op computes).
inline std::optional<CudnnConvGeometry> cudnn_conv_geometry(const ConvProblem& p) {
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  const int64_t all[] = {p.N, p.C, p.H, p.W, p.O, p.kH, p.kW, p.OH, p.OW, p.groups, p.sh, p.sw, p.dh, p.dw};
  for (int64_t v : all)
    if (v < 1 || v > kIntMax) return std::nullopt;
  if (p.ph < 0 || p.pw < 0 || p.ph > kIntMax || p.pw > kIntMax) return std::nullopt;
  if (p.C % p.groups != 0 || p.O % p.groups != 0) return std::nullopt;
  // Each product is below 2^31 before the next factor, which is at most 2^31: no int64 overflow.
  auto fits = [&](int64_t a, int64_t b, int64_t c, int64_t d) {
    const int64_t ab = a * b;
    if (ab > kIntMax) return false;
    const int64_t abc = ab * c;
    return abc <= kIntMax && abc * d <= kIntMax;
  };
  const int64_t cg = p.C / p.groups;
  if (!fits(p.N, p.C, p.H, p.W) || !fits(p.N, p.O, p.OH, p.OW) || !fits(p.O, cg, p.kH, p.kW)) return std::nullopt;
  if (cudnn_output_size(p.H, p.ph, p.kH, p.sh, p.dh) != p.OH || cudnn_output_size(p.W, p.pw, p.kW, p.sw, p.dw) != p.OW)
    return std::nullopt;
  auto i = [](int64_t v) { return static_cast<int>(v); };
  return CudnnConvGeometry{{i(p.N), i(p.C), i(p.H), i(p.W)},
                           {i(p.O), i(cg), i(p.kH), i(p.kW)},
                           {i(p.N), i(p.O), i(p.OH), i(p.OW)},
                           i(p.ph), i(p.pw), i(p.sh), i(p.sw), i(p.dh), i(p.dw), i(p.groups)};
}

}  // namespace nimbus::cuda
