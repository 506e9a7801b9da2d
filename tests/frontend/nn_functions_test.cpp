// Differentiable NN ops through the tape (float64 finite differences), the layer modules, and a
// classifier trained end to end with cross-entropy.
#include <gtest/gtest.h>

#include "frontend/autograd/nn_functions.h"
#include "frontend/nn/layers.h"
#include "frontend/nn/normalization.h"
#include "frontend/optim/optimizer.h"
#include "gradcheck.h"

namespace nimbus {
namespace {

using autograd::Variable;
using testing::expect_gradients_match;
using testing::randn_f64;

TEST(NnFunctions, SoftmaxAndLogSoftmaxGradients) {
  expect_gradients_match([](const auto& v) { return autograd::softmax(v[0], 1); }, {randn_f64({3, 5}, 1)});
  expect_gradients_match([](const auto& v) { return autograd::log_softmax(v[0], -1); }, {randn_f64({2, 3, 4}, 2)});
  expect_gradients_match([](const auto& v) { return autograd::log_softmax(v[0], 0); }, {randn_f64({4, 3}, 3)});
}

TEST(NnFunctions, LayerNormGradientsWithAndWithoutAffine) {
  expect_gradients_match(
      [](const auto& v) { return autograd::layer_norm(v[0], {4}, v[1], v[2]); },
      {randn_f64({3, 4}, 4), randn_f64({4}, 5), randn_f64({4}, 6)});
  expect_gradients_match([](const auto& v) { return autograd::layer_norm(v[0], {2, 3}, Variable(), Variable()); },
                         {randn_f64({2, 2, 3}, 7)});
}

TEST(NnFunctions, LossGradients) {
  const Tensor target = from_vector<int64_t>({2, 0, 1, 2});
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none})
    expect_gradients_match([&](const auto& v) { return autograd::cross_entropy(v[0], target, r); }, {randn_f64({4, 3}, 8)});
  expect_gradients_match(
      [&](const auto& v) { return autograd::cross_entropy(v[0], target, Reduction::mean, 1, 0.1); }, {randn_f64({4, 3}, 9)});
  expect_gradients_match([](const auto& v) { return autograd::mse_loss(v[0], v[1]); }, {randn_f64({3, 2}, 10), randn_f64({3, 2}, 11)});
  const Tensor y = from_vector<double>({1, 0, 1, 0, 0, 1}, {3, 2});
  expect_gradients_match([&](const auto& v) { return autograd::binary_cross_entropy_with_logits(v[0], y); },
                         {randn_f64({3, 2}, 12)});
}

TEST(NnFunctions, EmbeddingAndDropoutGradients) {
  const Tensor idx = from_vector<int64_t>({1, 3, 1, 0, 3, 3}, {2, 3});
  expect_gradients_match([&](const auto& v) { return autograd::embedding(v[0], idx); }, {randn_f64({4, 5}, 13)});
  // The padding row is used by the forward but gets no gradient (so finite differences do not apply
  // to it): each other row's gradient counts its uses.
  Variable table(randn_f64({4, 2}, 14), true);
  autograd::sum(autograd::embedding(table, idx, /*padding_idx=*/3)).backward();
  EXPECT_EQ(table.grad().to_vector<double>(), (std::vector<double>{1, 1, 2, 2, 0, 0, 0, 0}));
  // A fresh generator per evaluation keeps the mask fixed across the finite differences.
  expect_gradients_match(
      [](const auto& v) {
        Generator gen(21);
        return autograd::dropout(v[0], 0.3, gen, true);
      },
      {randn_f64({4, 6}, 15)});
}

TEST(NnModules, LayerNormEmbeddingDropout) {
  Generator gen(3);
  nn::LayerNorm norm({4});
  const auto names = norm.named_parameters();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].first, "weight");
  const Variable y = norm(Variable(randn({2, 4}, {}, gen)));
  EXPECT_NEAR(mean(y.data(), {1}).to_vector<double>()[0], 0.0, 1e-6);

  nn::Embedding table(10, 3, gen, /*padding_idx=*/0);
  EXPECT_EQ(table.weight().data().select(0, 0).to_vector<float>(), (std::vector<float>{0, 0, 0}));
  const Variable rows = table(Variable(from_vector<int64_t>({0, 9, 9}, {3})));
  EXPECT_EQ(rows.shape(), (Shape{3, 3}));
  EXPECT_THROW(table(Variable(from_vector<int64_t>({10}))), ShapeError);

  nn::Dropout drop(0.5, gen);
  const Variable x(ones({1000}));
  const auto trained = drop(x).data().to_vector<float>();
  int zeros_seen = 0;
  for (float v : trained) {
    EXPECT_TRUE(v == 0.0f || v == 2.0f);
    zeros_seen += v == 0.0f;
  }
  EXPECT_GT(zeros_seen, 400);
  EXPECT_LT(zeros_seen, 600);
  drop.eval();
  EXPECT_EQ(drop(x).data().to_vector<float>(), x.data().to_vector<float>());
  EXPECT_THROW(nn::Dropout(1.5, gen), ConfigError);
}

TEST(NnTraining, ClassifierLearnsThreeBlobsWithCrossEntropy) {
  Generator gen(42);
  const int64_t per_class = 100;
  // Three Gaussian blobs in 2-D centred at (0, 3), (3, -2) and (-3, -2).
  std::vector<float> points;
  std::vector<int64_t> labels;
  const float centres[3][2] = {{0, 3}, {3, -2}, {-3, -2}};
  const std::vector<float> noise = randn({3 * per_class, 2}, {}, gen).to_vector<float>();
  for (int c = 0; c < 3; ++c)
    for (int64_t i = 0; i < per_class; ++i) {
      const size_t k = static_cast<size_t>((c * per_class + i) * 2);
      points.push_back(centres[c][0] + noise[k]);
      points.push_back(centres[c][1] + noise[k + 1]);
      labels.push_back(c);
    }
  const Tensor x = from_vector(points, {3 * per_class, 2}), y = from_vector(labels);
  nn::Sequential model({std::make_shared<nn::Linear>(2, 32, gen), std::make_shared<nn::ReLU>(),
                        std::make_shared<nn::LayerNorm>(Shape{32}), std::make_shared<nn::Linear>(32, 3, gen)});
  optim::Adam adam(model.parameters(), optim::adamw_options(0.01));
  double first_loss = 0, last_loss = 0;
  for (int step = 0; step < 150; ++step) {
    adam.zero_grad();
    const Variable loss = autograd::cross_entropy(model(Variable(x)), y);
    loss.backward();
    adam.step();
    (step == 0 ? first_loss : last_loss) = loss.data().item<double>();
  }
  model.eval();
  const Tensor predicted = argmax(model(Variable(x)).data(), 1);
  const double accuracy = mean(eq(predicted, y).to(DType::f32)).item<double>();
  EXPECT_LT(last_loss, first_loss * 0.2);
  EXPECT_GT(accuracy, 0.95);
}

}  // namespace
}  // namespace nimbus
