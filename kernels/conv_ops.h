#pragma once
// 2-d convolution and pooling, forward and backward, NCHW, with PyTorch semantics. Floating dtypes
// only (f16 and bf16 compute in f32); inputs may have any strides; results are deterministic for
// any thread count (no atomics, every sum in a fixed order).
#include <array>
#include <cstdint>
#include <optional>

#include "runtime/tensor.h"

namespace nimbus {

using Pair = std::array<int64_t, 2>;  // {height, width}

struct Conv2dParams {
  Pair stride{1, 1}, padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
};

// x [N, C, H, W], weight [O, C / groups, kH, kW], bias [O] or undefined -> [N, O, Hout, Wout].
NIMBUS_API Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                         const Conv2dParams& params = {});
// Gradients of conv2d; a gradient not asked for (need_*) is left undefined.
struct Conv2dGrads {
  Tensor grad_input, grad_weight, grad_bias;
};
NIMBUS_API Conv2dGrads conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                                       const Conv2dParams& params = {}, bool need_input = true,
                                       bool need_weight = true, bool need_bias = true);

// Pooling window geometry, complete (stride defaulted) as the kernels receive it.
struct Pool2dParams {
  Pair kernel{1, 1}, stride{1, 1}, padding{0, 0}, dilation{1, 1};
  bool ceil_mode = false, count_include_pad = true;
};

// x [N, C, H, W]; stride defaults to the kernel size. indices (i64) hold, per output element, the
// flattened h * W + w position of the max within its input plane, as PyTorch. NaN propagates.
// Without `with_indices` (no backward will run: inference) indices stay undefined and only the
// maxima are computed.
struct MaxPool2dResult {
  Tensor output, indices;
};
NIMBUS_API MaxPool2dResult max_pool2d(const Tensor& x, Pair kernel, std::optional<Pair> stride = std::nullopt,
                                      Pair padding = {0, 0}, Pair dilation = {1, 1}, bool ceil_mode = false,
                                      bool with_indices = true);
// Gradient w.r.t. the input of shape input_shape ([N, C, H, W]).
NIMBUS_API Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Shape& input_shape);

NIMBUS_API Tensor avg_pool2d(const Tensor& x, Pair kernel, std::optional<Pair> stride = std::nullopt,
                             Pair padding = {0, 0}, bool ceil_mode = false, bool count_include_pad = true);
NIMBUS_API Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape, Pair kernel,
                                      std::optional<Pair> stride = std::nullopt, Pair padding = {0, 0},
                                      bool ceil_mode = false, bool count_include_pad = true);

}  // namespace nimbus
