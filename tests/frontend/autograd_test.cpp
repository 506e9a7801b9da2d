// The tape: every differentiable op against finite differences in float64, plus accumulation,
// detach, no-grad, retain_graph and the in-place-modification check.
#include <gtest/gtest.h>

#include <cmath>

#include "gradcheck.h"

namespace nimbus {
namespace {

using autograd::Variable;
using testing::expect_gradients_match;

Tensor f64(const Shape& shape, uint64_t seed, double lo = -2, double hi = 2) {
  Generator gen(seed);
  return add(mul(rand(shape, DType::f64, gen), hi - lo), lo);
}

TEST(Autograd, ElementwiseBinaryOpsWithBroadcasting) {
  const std::vector<Tensor> in = {f64({3, 4}, 1), f64({4}, 2, 0.5, 2)};
  expect_gradients_match([](const auto& v) { return v[0] + v[1]; }, in);
  expect_gradients_match([](const auto& v) { return v[0] - v[1]; }, in);
  expect_gradients_match([](const auto& v) { return v[0] * v[1]; }, in);
  expect_gradients_match([](const auto& v) { return v[0] / v[1]; }, in);
  expect_gradients_match([](const auto& v) { return v[0] * 3.0 + 1.5; }, {f64({2, 2}, 3)});
}

TEST(Autograd, UnaryOps) {
  const std::vector<Tensor> any = {f64({2, 5}, 4)}, positive = {f64({2, 5}, 5, 0.2, 3)};
  expect_gradients_match([](const auto& v) { return autograd::neg(v[0]); }, any);
  expect_gradients_match([](const auto& v) { return autograd::exp(v[0]); }, any);
  expect_gradients_match([](const auto& v) { return autograd::log(v[0]); }, positive);
  expect_gradients_match([](const auto& v) { return autograd::sqrt(v[0]); }, positive);
  expect_gradients_match([](const auto& v) { return autograd::tanh(v[0]); }, any);
  expect_gradients_match([](const auto& v) { return autograd::sigmoid(v[0]); }, any);
  expect_gradients_match([](const auto& v) { return autograd::relu(v[0]); }, any);  // no input at exactly 0
  expect_gradients_match([](const auto& v) { return autograd::pow(v[0], 3.0); }, any);
  expect_gradients_match([](const auto& v) { return autograd::pow(v[0], -0.5); }, positive);
}

TEST(Autograd, MatmulLinearAndShapes) {
  expect_gradients_match([](const auto& v) { return autograd::matmul(v[0], v[1]); }, {f64({3, 4}, 6), f64({4, 2}, 7)});
  expect_gradients_match([](const auto& v) { return autograd::matmul(v[0], v[1]); },
                         {f64({2, 3, 4}, 8), f64({4, 5}, 9)});  // batch folded
  expect_gradients_match([](const auto& v) { return autograd::matmul(v[0], v[1]); },
                         {f64({2, 1, 3, 4}, 10), f64({3, 4, 2}, 11)});  // batch broadcast
  expect_gradients_match([](const auto& v) { return autograd::matmul(v[0], v[1]); }, {f64({4}, 12), f64({4, 3}, 13)});
  expect_gradients_match([](const auto& v) { return autograd::matmul(v[0], v[1]); }, {f64({3, 4}, 14), f64({4}, 15)});
  expect_gradients_match([](const auto& v) { return autograd::linear(v[0], v[1], v[2]); },
                         {f64({5, 3}, 16), f64({2, 3}, 17), f64({2}, 18)});
  expect_gradients_match([](const auto& v) { return autograd::transpose(autograd::reshape(v[0], {3, 4}), 0, 1); },
                         {f64({2, 6}, 19)});
}

TEST(Autograd, Reductions) {
  const std::vector<Tensor> in = {f64({2, 3, 4}, 20)};
  expect_gradients_match([](const auto& v) { return autograd::sum(v[0]); }, in);
  expect_gradients_match([](const auto& v) { return autograd::sum(v[0], {1}); }, in);
  expect_gradients_match([](const auto& v) { return autograd::sum(v[0], {0, -1}, true); }, in);
  expect_gradients_match([](const auto& v) { return autograd::mean(v[0], {2}); }, in);
  expect_gradients_match([](const auto& v) { return autograd::mean(v[0]); }, in);
}

TEST(Autograd, SharedInputsAccumulateAndLeavesAccumulateAcrossCalls) {
  Variable x(from_vector<double>({1, 2, 3}), true);
  const Variable y = autograd::sum(x * x + x);  // dy/dx = 2x + 1
  y.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3, 5, 7}));
  autograd::sum(x * 2.0).backward();  // gradients add up until zero_grad
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{5, 7, 9}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, SeedGradientAndItsChecks) {
  Variable x(from_vector<double>({1, 2}), true);
  const Variable y = x * 3.0;
  EXPECT_THROW(y.backward(), ShapeError);  // not a one-element output
  y.backward(from_vector<double>({1, 10}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3, 30}));
}

TEST(Autograd, DetachAndNoGradStopRecording) {
  Variable x(from_vector<double>({1, 2}), true);
  EXPECT_FALSE(x.detach().requires_grad());
  {
    autograd::NoGradGuard guard;
    const Variable y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
    EXPECT_THROW(y.backward(), Error);
  }
  EXPECT_TRUE(autograd::grad_enabled());
  const Variable z = autograd::sum(x.detach() * x);  // only the second factor carries a gradient
  z.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 2}));
}

TEST(Autograd, GraphIsFreedUnlessRetained) {
  Variable x(from_vector<double>({1, 2}), true);
  const Variable y = autograd::sum(autograd::exp(x));
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  EXPECT_NEAR(x.grad().to_vector<double>()[0], 2 * std::exp(1.0), 1e-12);
  try {
    y.backward();
    FAIL() << "expected an error on a third backward";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
}

TEST(Autograd, InPlaceChangeOfASavedTensorIsAnError) {
  Variable x(from_vector<double>({1, 2}), true);
  const Tensor w = from_vector<double>({3, 4});
  const Variable y = autograd::sum(x * Variable(w));
  w.fill_(0);  // the backward of mul needs w as it was
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("modified in place"), std::string::npos) << e.what();
  }
}

TEST(Autograd, GradientsKeepEachInputsDtype) {
  Variable a(from_vector<float>({1, 2}), true);
  Variable b(from_vector<double>({3, 4}), true);
  const Variable y = autograd::sum(a * b);
  EXPECT_EQ(y.dtype(), DType::f64);
  y.backward();
  EXPECT_EQ(a.grad().dtype(), DType::f32);
  EXPECT_EQ(b.grad().dtype(), DType::f64);
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{3, 4}));
  EXPECT_THROW(Variable(from_vector<int64_t>({1}), true), Error);  // integers have no gradient
}

TEST(Autograd, DeepChainsDoNotOverflowTheStack) {
  Variable x(from_vector<double>({1}), true);
  Variable y = x;
  for (int i = 0; i < 20000; ++i) y = y * 1.0;
  autograd::sum(y).backward();
  EXPECT_EQ(x.grad().item<double>(), 1.0);
}

}  // namespace
}  // namespace nimbus

namespace nimbus {
namespace {

using autograd::Variable;
using testing::expect_gradients_match;

Tensor away_from(const Tensor& t, double point) {
  // Keeps finite differences off kinks: moves values within 0.05 of `point` away from it.
  const Tensor near = lt(abs(sub(t, point)), scalar_tensor(0.05, DType::f64));
  return where(near, add(t, 0.2), t);
}

TEST(Autograd, MoreUnaryOps) {
  Generator gen(30);
  const Tensor x = away_from(randn({3, 4}, DType::f64, gen), 0.0);
  expect_gradients_match([](const auto& v) { return autograd::abs(v[0]); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::sin(v[0]); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::cos(v[0]); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::silu(v[0]); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::gelu(v[0]); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::rsqrt(v[0]); }, {add(abs(x), 0.3)});
  const Tensor y = away_from(away_from(x, -0.5), 0.7);
  expect_gradients_match([](const auto& v) { return autograd::clamp(v[0], -0.5, 0.7); }, {y});
  expect_gradients_match([](const auto& v) { return autograd::clamp(v[0], std::nullopt, 0.7); }, {y});
}

TEST(Autograd, MaximumMinimumWhere) {
  Generator gen(31);
  const Tensor a = randn({3, 4}, DType::f64, gen), b = randn({4}, DType::f64, gen);
  expect_gradients_match([](const auto& v) { return autograd::maximum(v[0], v[1]); }, {a, b});
  expect_gradients_match([](const auto& v) { return autograd::minimum(v[0], v[1]); }, {a, b});
  const Tensor cond = gt(randn({3, 4}, DType::f64, gen), scalar_tensor(0.0, DType::f64));
  expect_gradients_match([&](const auto& v) { return autograd::where(cond, v[0], v[1]); }, {a, b});
  // Ties split the gradient evenly, as PyTorch does.
  Variable p(from_vector<double>({1, 2}), true), q(from_vector<double>({1, 3}), true);
  autograd::sum(autograd::maximum(p, q)).backward();
  EXPECT_EQ(p.grad().to_vector<double>(), (std::vector<double>{0.5, 0}));
  EXPECT_EQ(q.grad().to_vector<double>(), (std::vector<double>{0.5, 1}));
}

}  // namespace
}  // namespace nimbus
