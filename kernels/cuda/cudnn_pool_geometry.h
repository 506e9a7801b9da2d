#pragma once
// The numbers avg_pool2d hands to cuDNN's pooling descriptor, and the average poolings kept away
// from cuDNN, computed in plain C++ (no CUDA, no cuDNN header) so that they are unit-tested on any
// machine (tests/kernels/cudnn_pool_geometry_test.cpp). Note [cuDNN pooling] in cudnn_pool.cpp says
// why max pooling never gets here.
#include <array>
#include <cstdint>
#include <limits>
#include <optional>

namespace nimbus::cuda {

// An avg_pool2d as its kernels see it: x [N, C, H, W] -> out [N, C, OH, OW], window (kH, kW),
// stride (sh, sw), symmetric padding (ph, pw), dilation (dh, dw), NCHW contiguous, and whether the
// divisor counts the padding.
struct PoolProblem {
  int64_t N, C, H, W, OH, OW;
  int64_t kH, kW, sh, sw, ph, pw, dh, dw;
  bool count_include_pad;
};

// cuDNN's two average modes (cudnnPoolingMode_t), without its header.
enum class CudnnAverageMode { count_include_padding, count_exclude_padding };

// The descriptor arguments: 4-d NCHW sizes of input and output, then the window, padding and
// stride in cudnnSetPooling2dDescriptor's order, and the mode.
struct CudnnPoolGeometry {
  std::array<int, 4> input, output;
  int window_h, window_w, pad_h, pad_w, stride_h, stride_w;
  CudnnAverageMode mode;
};

// cuDNN's output size of one spatial dimension (cudnnGetPooling2dForwardOutputDim's formula); only
// meaningful where the window fits the padded input (in + 2 * pad >= window).
constexpr int64_t cudnn_pool_output_size(int64_t in, int64_t pad, int64_t window, int64_t stride) {
  return (in + 2 * pad - window) / stride + 1;
}

// The geometry of `p`, or nothing where cuDNN must not get it:
// - an empty dimension (the kernels answer those without any arithmetic), a size outside int, a
//   tensor of 2^31 elements or more: cuDNN's legacy descriptors take int;
// - dilation other than 1: cuDNN's pooling descriptor has none (avg_pool2d never dilates, but the
//   kernels' parameters carry the field);
// - padding of a window's size or more (a window could then lie wholly in the padding and have
//   no element to divide by), or a window wider than the padded input;
// - an output size other than cuDNN's formula gives: ceil_mode's extra window, which may reach
//   past the padded input and whose divisor cuDNN would count differently. Where ceil_mode adds
//   no window, the windows and divisors are the floor-mode ones, and cuDNN gets it.
// Divisors: the kernels divide by the window clipped to the padded input (count_include_pad) or
// to the input; with floor-mode sizes every window lies within the padded input, so these are
// the full window and the in-bounds count: cuDNN's INCLUDE and EXCLUDE_PADDING modes.
inline std::optional<CudnnPoolGeometry> cudnn_avg_pool_geometry(const PoolProblem& p) {
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  const int64_t all[] = {p.N, p.C, p.H, p.W, p.OH, p.OW, p.kH, p.kW, p.sh, p.sw};
  for (int64_t v : all)
    if (v < 1 || v > kIntMax) return std::nullopt;
  if (p.dh != 1 || p.dw != 1) return std::nullopt;
  if (p.ph < 0 || p.pw < 0 || p.ph >= p.kH || p.pw >= p.kW) return std::nullopt;
  if (p.H + 2 * p.ph < p.kH || p.W + 2 * p.pw < p.kW) return std::nullopt;
  // Each product is below 2^31 before the next factor, which is at most 2^31: no int64 overflow.
  auto fits = [&](int64_t a, int64_t b, int64_t c, int64_t d) {
    const int64_t ab = a * b;
    if (ab > kIntMax) return false;
    const int64_t abc = ab * c;
    return abc <= kIntMax && abc * d <= kIntMax;
  };
  if (!fits(p.N, p.C, p.H, p.W) || !fits(p.N, p.C, p.OH, p.OW)) return std::nullopt;
  if (cudnn_pool_output_size(p.H, p.ph, p.kH, p.sh) != p.OH || cudnn_pool_output_size(p.W, p.pw, p.kW, p.sw) != p.OW)
    return std::nullopt;
  auto i = [](int64_t v) { return static_cast<int>(v); };
  return CudnnPoolGeometry{{i(p.N), i(p.C), i(p.H), i(p.W)},
                           {i(p.N), i(p.C), i(p.OH), i(p.OW)},
                           i(p.kH), i(p.kW), i(p.ph), i(p.pw), i(p.sh), i(p.sw),
                           p.count_include_pad ? CudnnAverageMode::count_include_padding
                                               : CudnnAverageMode::count_exclude_padding};
}

}  // namespace nimbus::cuda
