// The small ResNet: stem (3x3 conv, batch norm, ReLU), stages of basic residual blocks, global
// average pool, Linear head. Sized for small images, as the CIFAR ResNets: the stem keeps the
// resolution (no 7x7 stride-2 conv or max pool) and each stage after the first halves it.
#include "frontend/autograd/functions.h"
#include "frontend/nn/batch_norm.h"
#include "frontend/nn/conv.h"
#include "frontend/nn/layers.h"
#include "models/zoo/architectures.h"

namespace nimbus::models::detail {
namespace {

using autograd::Variable;

// Convolutions feeding a batch norm have no bias: the norm's shift would cancel it.
std::shared_ptr<nn::Conv2d> conv_without_bias(int64_t in, int64_t out, int64_t kernel, int64_t stride, DType dtype,
                                              Generator& init) {
  nn::Conv2dOptions options;
  options.stride = {stride, stride};
  options.padding = {kernel / 2, kernel / 2};
  options.bias = false;
  options.dtype = dtype;
  return std::make_shared<nn::Conv2d>(in, out, Pair{kernel, kernel}, init, options);
}

// conv -> batch norm: the stem ("stem.conv", "stem.bn") and the projection shortcut
// ("downsample.conv", "downsample.bn").
class ConvBn : public nn::Module {
 public:
  ConvBn(int64_t in, int64_t out, int64_t kernel, int64_t stride, DType dtype, Generator& init)
      : conv_(register_module("conv", conv_without_bias(in, out, kernel, stride, dtype, init))),
        bn_(register_module("bn", std::make_shared<nn::BatchNorm2d>(out, 1e-5, 0.1, dtype))) {}
  Variable forward(const Variable& x) override { return (*bn_)((*conv_)(x)); }

 private:
  std::shared_ptr<nn::Conv2d> conv_;
  std::shared_ptr<nn::BatchNorm2d> bn_;
};

// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); the shortcut is the identity unless the
// block changes the channels or the resolution, where a 1x1 conv + batch norm projects x.
class BasicBlock : public nn::Module {
 public:
  BasicBlock(int64_t in, int64_t out, int64_t stride, DType dtype, Generator& init)
      : conv1_(register_module("conv1", conv_without_bias(in, out, 3, stride, dtype, init))),
        bn1_(register_module("bn1", std::make_shared<nn::BatchNorm2d>(out, 1e-5, 0.1, dtype))),
        conv2_(register_module("conv2", conv_without_bias(out, out, 3, 1, dtype, init))),
        bn2_(register_module("bn2", std::make_shared<nn::BatchNorm2d>(out, 1e-5, 0.1, dtype))) {
    if (in != out || stride != 1)
      downsample_ = register_module("downsample", std::make_shared<ConvBn>(in, out, 1, stride, dtype, init));
  }

  Variable forward(const Variable& x) override {
    const Variable h = autograd::relu((*bn1_)((*conv1_)(x)));
    const Variable shortcut = downsample_ ? (*downsample_)(x) : x;
    return autograd::relu(autograd::add((*bn2_)((*conv2_)(h)), shortcut));
  }

 private:
  std::shared_ptr<nn::Conv2d> conv1_;
  std::shared_ptr<nn::BatchNorm2d> bn1_;
  std::shared_ptr<nn::Conv2d> conv2_;
  std::shared_ptr<nn::BatchNorm2d> bn2_;
  std::shared_ptr<ConvBn> downsample_;
};

class ResNet : public nn::Module {
 public:
  ResNet(const ModelSpec& spec, Generator& init) {
    stem_ = register_module("stem",
                            std::make_shared<ConvBn>(spec.input_shape[0], spec.channels[0], 3, 1, spec.dtype, init));
    stages_ = register_module("stages", std::make_shared<nn::Sequential>());
    int64_t in = spec.channels[0];
    for (size_t s = 0; s < spec.channels.size(); ++s) {
      const auto stage = std::make_shared<nn::Sequential>();
      for (int64_t b = 0; b < spec.blocks_per_stage; ++b) {
        const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
        stage->push_back(std::make_shared<BasicBlock>(in, spec.channels[s], stride, spec.dtype, init));
        in = spec.channels[s];
      }
      stages_->push_back(stage);
    }
    nn::LinearOptions head_options;
    head_options.dtype = spec.dtype;
    head_ = register_module("head", std::make_shared<nn::Linear>(in, spec.classes, init, head_options));
  }

  Variable forward(const Variable& x) override {
    const Variable features = (*stages_)(autograd::relu((*stem_)(x)));
    return (*head_)(autograd::mean(features, {2, 3}));  // global average pool: [B, C, H, W] -> [B, C]
  }

 private:
  std::shared_ptr<ConvBn> stem_;
  std::shared_ptr<nn::Sequential> stages_;
  std::shared_ptr<nn::Linear> head_;
};

}  // namespace

std::shared_ptr<nn::Module> build_resnet(const ModelSpec& spec, Generator& init) {
  return std::make_shared<ResNet>(spec, init);
}

}  // namespace nimbus::models::detail
