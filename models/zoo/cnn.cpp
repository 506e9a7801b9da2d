// The LeNet-style cnn: [Conv(k, pad k/2) -> ReLU -> MaxPool 2] per stage, flatten,
// Linear -> ReLU -> Linear head.
#include <algorithm>

#include "frontend/autograd/conv_functions.h"
#include "frontend/autograd/functions.h"
#include "frontend/nn/conv.h"
#include "frontend/nn/layers.h"
#include "models/zoo/architectures.h"

namespace nimbus::models::detail {

int64_t cnn_output_side(int64_t side, int64_t kernel_size, size_t stages) {
  for (size_t i = 0; i < stages; ++i) side = (side + 2 * (kernel_size / 2) - kernel_size + 1) / 2;
  return side;
}

int64_t cnn_input_side_needed(int64_t kernel_size, size_t stages) {
  const int64_t growth = 2 * (kernel_size / 2) - kernel_size + 1;  // what one convolution adds
  int64_t side = 1;  // walk back from one output pixel through each pool and convolution
  for (size_t i = 0; i < stages; ++i) {
    if (side > (int64_t{1} << 61)) return 0;
    side = std::max<int64_t>(1, 2 * side - growth);
  }
  return side;
}

namespace {

using autograd::Variable;

class Cnn : public nn::Module {
 public:
  Cnn(const ModelSpec& spec, Generator& init) {
    nn::Conv2dOptions conv_options;
    conv_options.padding = {spec.kernel_size / 2, spec.kernel_size / 2};
    conv_options.dtype = spec.dtype;
    // Container only, for the names convs.0, convs.1, ... (ReLU and pooling are applied in forward).
    const auto convs = register_module("convs", std::make_shared<nn::Sequential>());
    int64_t in_channels = spec.input_shape[0];
    for (const int64_t width : spec.channels) {
      convs_.push_back(std::make_shared<nn::Conv2d>(in_channels, width, Pair{spec.kernel_size, spec.kernel_size}, init,
                                                    conv_options));
      convs->push_back(convs_.back());
      in_channels = width;
    }
    const int64_t height = cnn_output_side(spec.input_shape[1], spec.kernel_size, spec.channels.size());
    const int64_t width = cnn_output_side(spec.input_shape[2], spec.kernel_size, spec.channels.size());
    nn::LinearOptions linear_options;
    linear_options.dtype = spec.dtype;
    fc_ = register_module(
        "fc", std::make_shared<nn::Linear>(in_channels * height * width, spec.fc_width, init, linear_options));
    head_ = register_module("head", std::make_shared<nn::Linear>(spec.fc_width, spec.classes, init, linear_options));
  }

  Variable forward(const Variable& x) override {
    Variable h = x;
    for (const auto& conv : convs_) h = autograd::max_pool2d(autograd::relu((*conv)(h)), Pair{2, 2});
    h = autograd::reshape(h, {h.size(0), -1});
    return (*head_)(autograd::relu((*fc_)(h)));
  }

 private:
  std::vector<std::shared_ptr<nn::Conv2d>> convs_;
  std::shared_ptr<nn::Linear> fc_, head_;
};

}  // namespace

std::shared_ptr<nn::Module> build_cnn(const ModelSpec& spec, Generator& init) {
  return std::make_shared<Cnn>(spec, init);
}

}  // namespace nimbus::models::detail
