// Convolution and pooling on the tape (float64 finite differences) and a LeNet-style network that
// learns to tell two kinds of images apart.
#include <gtest/gtest.h>

#include "frontend/autograd/conv_functions.h"
#include "frontend/autograd/nn_functions.h"
#include "frontend/nn/conv.h"
#include "frontend/nn/layers.h"
#include "frontend/optim/optimizer.h"
#include "gradcheck.h"
#include "kernels/ops.h"

namespace nimbus {
namespace {

using autograd::Variable;
using testing::expect_gradients_match;
using testing::randn_f64;

TEST(ConvAutograd, Conv2dAndPoolingGradients) {
  Conv2dParams p;
  p.stride = {2, 1};
  p.padding = {1, 1};
  expect_gradients_match([&](const auto& v) { return autograd::conv2d(v[0], v[1], v[2], p); },
                         {randn_f64({2, 2, 5, 4}, 1), randn_f64({3, 2, 3, 2}, 2), randn_f64({3}, 3)});
  expect_gradients_match([](const auto& v) { return autograd::max_pool2d(v[0], {2, 2}); }, {randn_f64({1, 2, 4, 4}, 4)});
  expect_gradients_match([](const auto& v) { return autograd::avg_pool2d(v[0], {3, 3}, Pair{2, 2}, {1, 1}); },
                         {randn_f64({1, 2, 5, 5}, 5)});
}

TEST(ConvModules, NamesShapesAndLeNetLearning) {
  Generator gen(6);
  nn::Sequential lenet({std::make_shared<nn::Conv2d>(1, 4, Pair{3, 3}, gen), std::make_shared<nn::ReLU>(),
                        std::make_shared<nn::MaxPool2d>(Pair{2, 2}), std::make_shared<nn::Flatten>(),
                        std::make_shared<nn::Linear>(4 * 3 * 3, 2, gen)});
  EXPECT_EQ(lenet.named_parameters()[0].first, "0.weight");
  EXPECT_EQ(lenet.named_parameters()[0].second.shape(), (Shape{4, 1, 3, 3}));
  // Two classes of 8x8 images: a bright vertical bar or a bright horizontal bar, plus noise.
  const int64_t n = 64;
  Tensor images = mul(randn({n, 1, 8, 8}, {}, gen), 0.3);
  std::vector<int64_t> labels(n);
  for (int64_t i = 0; i < n; ++i) {
    labels[i] = i % 2;
    const Tensor image = images.select(0, i).select(0, 0);
    (labels[i] ? image.select(1, 3 + i % 3) : image.select(0, 3 + i % 3)).fill_(2.0);
  }
  const Tensor y = from_vector(labels);
  optim::Adam adam(lenet.parameters(), optim::adamw_options(0.02, 0.0));
  for (int step = 0; step < 60; ++step) {
    adam.zero_grad();
    const Variable loss = autograd::cross_entropy(lenet(Variable(images)), y);
    loss.backward();
    adam.step();
  }
  const double accuracy =
      mean(eq(argmax(lenet(Variable(images)).data(), 1), y).to(DType::f32)).item<double>();
  EXPECT_GT(accuracy, 0.95);
  EXPECT_THROW(nn::Conv2d(3, 4, Pair{3, 3}, gen, {.groups = 2}), ShapeError);
}

}  // namespace
}  // namespace nimbus
