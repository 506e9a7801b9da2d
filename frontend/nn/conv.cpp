#include "frontend/nn/conv.h"

#include <cmath>

#include "frontend/autograd/conv_functions.h"
#include "frontend/nn/init.h"

namespace nimbus::nn {

namespace {
Tensor conv_weight(int64_t in, int64_t out, Pair kernel, const Conv2dOptions& o, Generator& gen) {
  NIMBUS_CHECK_T(ShapeError, in > 0 && out > 0 && kernel[0] > 0 && kernel[1] > 0 && o.groups > 0 &&
                                 in % o.groups == 0 && out % o.groups == 0,
                 "Conv2d: need positive sizes with channels divisible by groups; got in=", in, " out=", out,
                 " kernel=[", kernel[0], ", ", kernel[1], "] groups=", o.groups);
  const int64_t fan_in = in / o.groups * kernel[0] * kernel[1];
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return init::uniform({out, in / o.groups, kernel[0], kernel[1]}, -bound, bound, {o.dtype, o.device}, gen);
}
}  // namespace

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel, Generator& gen, Conv2dOptions options)
    : params_{options.stride, options.padding, options.dilation, options.groups},
      weight_(register_parameter("weight", conv_weight(in_channels, out_channels, kernel, options, gen))) {
  if (options.bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_channels / options.groups * kernel[0] * kernel[1]));
    bias_ = &register_parameter("bias", init::uniform({out_channels}, -bound, bound, {options.dtype, options.device}, gen));
  }
}

Variable Conv2d::forward(const Variable& x) { return autograd::conv2d(x, weight_, bias_ ? *bias_ : Variable(), params_); }

Variable MaxPool2d::forward(const Variable& x) { return autograd::max_pool2d(x, kernel_, stride_, padding_); }

Variable AvgPool2d::forward(const Variable& x) { return autograd::avg_pool2d(x, kernel_, stride_, padding_); }

}  // namespace nimbus::nn
