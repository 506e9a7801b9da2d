#pragma once
// Conv2d, MaxPool2d and AvgPool2d modules (NCHW; PyTorch's names and weight layout
// [out_channels, in_channels / groups, kH, kW]).
#include "frontend/nn/module.h"
#include "kernels/conv_ops.h"
#include "runtime/random.h"

namespace nimbus::nn {

struct Conv2dOptions {
  Pair stride{1, 1}, padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
  bool bias = true;
  DType dtype = DType::f32;
  Device device = Device::cpu();
};

// Initialised as PyTorch: weight and bias uniform in +-1/sqrt(fan_in), fan_in = in/groups * kH * kW.
class NIMBUS_API Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel, Generator& gen, Conv2dOptions options = {});
  Variable forward(const Variable& x) override;

 private:
  Conv2dParams params_;
  Variable& weight_;
  Variable* bias_ = nullptr;
};

// The window both pooling modules slide: kernel, stride (default: the kernel) and padding.
class NIMBUS_API Pool2dWindow : public Module {
 public:
  explicit Pool2dWindow(Pair kernel, std::optional<Pair> stride = std::nullopt, Pair padding = {0, 0})
      : kernel_(kernel), stride_(stride), padding_(padding) {}

 protected:
  Pair kernel_;
  std::optional<Pair> stride_;
  Pair padding_;
};

class NIMBUS_API MaxPool2d : public Pool2dWindow {
 public:
  using Pool2dWindow::Pool2dWindow;
  Variable forward(const Variable& x) override;
};

class NIMBUS_API AvgPool2d : public Pool2dWindow {
 public:
  using Pool2dWindow::Pool2dWindow;
  Variable forward(const Variable& x) override;
};

}  // namespace nimbus::nn
