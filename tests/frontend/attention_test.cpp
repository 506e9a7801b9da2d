// Attention, the transformer block and batch norm: causality, gradients (float64 finite
// differences), statistics, names.
#include <gtest/gtest.h>

#include <cmath>

#include "frontend/nn/attention.h"
#include "frontend/nn/batch_norm.h"
#include "gradcheck.h"
#include "kernels/ops.h"

namespace nimbus {
namespace {

using autograd::Variable;
using testing::expect_gradients_match;
using testing::randn_f64;

TEST(Attention, ScaledDotProductGradients) {
  const std::vector<Tensor> qkv = {randn_f64({2, 3, 4}, 1), randn_f64({2, 3, 4}, 2), randn_f64({2, 3, 4}, 3)};
  for (bool causal : {false, true})
    expect_gradients_match(
        [causal](const auto& v) { return nn::scaled_dot_product_attention(v[0], v[1], v[2], causal); }, qkv);
}

TEST(Attention, CausalMaskHidesTheFuture) {
  Generator gen(4);
  nn::CausalSelfAttention attn(8, 2, gen, DType::f64);
  const Tensor x = randn_f64({1, 5, 8}, 5);
  const Tensor changed = x.clone();
  changed.select(1, 4).fill_(3.0);  // only the last position differs
  const auto a = attn(Variable(x)).data(), b = attn(Variable(changed)).data();
  for (int64_t t = 0; t < 4; ++t)
    EXPECT_EQ(a.select(1, t).to_vector<double>(), b.select(1, t).to_vector<double>()) << "position " << t;
  EXPECT_NE(a.select(1, 4).to_vector<double>(), b.select(1, 4).to_vector<double>());
  EXPECT_THROW(nn::CausalSelfAttention(10, 3, gen), ConfigError);
}

TEST(Attention, TransformerBlockNamesShapesAndGradients) {
  Generator gen(6);
  nn::TransformerBlock block(8, 2, gen, DType::f64);
  std::vector<std::string> names;
  for (const auto& [name, p] : block.named_parameters()) names.push_back(name);
  EXPECT_EQ(names.front(), "ln_1.weight");
  EXPECT_NE(std::find(names.begin(), names.end(), "attn.query.weight"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "mlp.fc.weight"), names.end());
  EXPECT_EQ(names.back(), "mlp.proj.bias");
  const Variable x(randn_f64({2, 4, 8}, 7), true);
  const Variable y = block(x);
  EXPECT_EQ(y.shape(), (Shape{2, 4, 8}));
  autograd::sum(autograd::mul(y, y)).backward();
  EXPECT_TRUE(x.grad().defined());
  for (const auto& [name, p] : block.named_parameters()) EXPECT_TRUE(p.grad().defined()) << name;
  // The tanh GELU the block uses, against finite differences.
  expect_gradients_match([](const auto& v) { return autograd::gelu_tanh(v[0]); }, {randn_f64({3, 4}, 8)});
}

TEST(BatchNorm, TrainingNormalisesAndTracksRunningStatistics) {
  nn::BatchNorm2d bn(3, 1e-5, 0.1, DType::f64);
  const Tensor x = add(mul(randn_f64({4, 3, 2, 2}, 9), 2.0), 5.0);
  const Tensor y = bn(Variable(x)).data();
  const auto per_channel_mean = mean(y, {0, 2, 3}).to_vector<double>();
  const auto per_channel_var = var(y, {0, 2, 3}, /*correction=*/0).to_vector<double>();
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(per_channel_mean[c], 0.0, 1e-9);
    EXPECT_NEAR(per_channel_var[c], 1.0, 1e-4);
  }
  // running = 0.9 * initial + 0.1 * batch (unbiased variance).
  const auto batch_mean = mean(x, {0, 2, 3}).to_vector<double>();
  const auto batch_var = var(x, {0, 2, 3}, /*correction=*/1).to_vector<double>();
  const auto state = bn.state_dict();
  ASSERT_EQ(state[2].first, "running_mean");
  ASSERT_EQ(state[4].first, "num_batches_tracked");
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(state[2].second.to_vector<double>()[c], 0.1 * batch_mean[c], 1e-12);
    EXPECT_NEAR(state[3].second.to_vector<double>()[c], 0.9 + 0.1 * batch_var[c], 1e-12);
  }
  EXPECT_EQ(state[4].second.item<int64_t>(), 1);
  bn.eval();  // now the running statistics are used
  const Tensor z = bn(Variable(x)).data();
  EXPECT_NEAR(z.to_vector<double>()[0],
              (x.to_vector<double>()[0] - state[2].second.to_vector<double>()[0]) /
                  std::sqrt(state[3].second.to_vector<double>()[0] + 1e-5),
              1e-12);
  EXPECT_THROW(bn(Variable(zeros({4, 2, 2, 2}, DType::f64))), ShapeError);
}

TEST(BatchNorm, GradientsInTrainingMode) {
  expect_gradients_match(
      [](const auto& v) {
        nn::BatchNorm1d bn(3, 1e-5, 0.1, DType::f64);
        return bn(v[0]);
      },
      {randn_f64({5, 3}, 10)});
}

}  // namespace
}  // namespace nimbus
