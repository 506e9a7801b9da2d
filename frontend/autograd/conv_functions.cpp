// Backward closures for convolution and pooling.
#include "frontend/autograd/conv_functions.h"
#include "frontend/autograd/record.h"

namespace nimbus::autograd {

using detail::record;

Variable conv2d(const Variable& x, const Variable& weight, const Variable& bias, const Conv2dParams& params) {
  Tensor out = nimbus::conv2d(x.data(), weight.data(), bias.defined() ? bias.data() : Tensor(), params);
  return record("conv2d", out, {x, weight, bias}, [&] {
    SavedTensor sx(x.data()), sw(weight.data());
    const bool need_input = x.requires_grad(), need_weight = weight.requires_grad();
    const bool need_bias = bias.defined() && bias.requires_grad();
    return [=](const Tensor& g) {
      Conv2dGrads grads = conv2d_backward(g, sx.get("conv2d"), sw.get("conv2d"), params, need_input, need_weight,
                                          need_bias);
      return std::vector<Tensor>{grads.grad_input, grads.grad_weight, grads.grad_bias};
    };
  });
}

Variable max_pool2d(const Variable& x, Pair kernel, std::optional<Pair> stride, Pair padding) {
  // Without a backward to come (inference), the argmax positions are not computed.
  MaxPool2dResult r = nimbus::max_pool2d(x.data(), kernel, stride, padding, {1, 1}, false, needs_grad({&x}));
  return record("max_pool2d", r.output, {x}, [&] {
    SavedTensor indices(r.indices);
    const Shape input_shape = x.shape();
    return [=](const Tensor& g) {
      return std::vector<Tensor>{max_pool2d_backward(g, indices.get("max_pool2d"), input_shape)};
    };
  });
}

Variable avg_pool2d(const Variable& x, Pair kernel, std::optional<Pair> stride, Pair padding) {
  return record("avg_pool2d", nimbus::avg_pool2d(x.data(), kernel, stride, padding), {x}, [&] {
    const Shape input_shape = x.shape();
    return [=](const Tensor& g) {
      return std::vector<Tensor>{avg_pool2d_backward(g, input_shape, kernel, stride, padding)};
    };
  });
}

}  // namespace nimbus::autograd
