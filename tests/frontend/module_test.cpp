// Modules: PyTorch-style names and layouts, state dicts with strict checking, train/eval, and a
// small MLP whose gradients match finite differences.
#include <gtest/gtest.h>

#include "frontend/autograd/functions.h"
#include "frontend/nn/layers.h"
#include "kernels/ops.h"

namespace nimbus {
namespace {

using autograd::Variable;

std::shared_ptr<nn::Sequential> make_mlp(Generator& gen, DType dtype = DType::f32) {
  nn::LinearOptions options;
  options.dtype = dtype;
  return std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(4, 8, gen, options), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(8, 3, gen, options)});
}

TEST(Module, NamesAndLayoutsFollowPyTorch) {
  Generator gen(0);
  const auto mlp = make_mlp(gen);
  std::vector<std::string> names;
  std::vector<Shape> shapes;
  for (const auto& [name, p] : mlp->named_parameters()) {
    names.push_back(name);
    shapes.push_back(p.shape());
    EXPECT_TRUE(p.requires_grad());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(shapes, (std::vector<Shape>{{8, 4}, {8}, {3, 8}, {3}}));
}

TEST(Module, LinearInitialisationIsSeededAndBounded) {
  Generator g1(7), g2(7);
  nn::Linear a(16, 4, g1), b(16, 4, g2);
  EXPECT_EQ(a.weight().data().to_vector<float>(), b.weight().data().to_vector<float>());
  for (float w : a.weight().data().to_vector<float>()) EXPECT_LE(std::abs(w), 0.25f);  // 1/sqrt(16)
  EXPECT_THROW(nn::Linear(0, 4, g1), ShapeError);
  EXPECT_THROW(a(Variable(zeros({2, 15}))), ShapeError);
}

TEST(Module, StateDictRoundTripsIntoAFreshModel) {
  Generator g1(1), g2(2);
  const auto source = make_mlp(g1), target = make_mlp(g2);
  target->load_state_dict(source->state_dict());
  const Variable x(randn({5, 4}, {}, g1));
  EXPECT_EQ((*source)(x).data().to_vector<float>(), (*target)(x).data().to_vector<float>());
  // Values are copied in, not shared: changing the source later leaves the target alone.
  source->named_parameters()[0].second.data().fill_(0);
  EXPECT_NE(target->named_parameters()[0].second.data().to_vector<float>()[0], 0.0f);
}

TEST(Module, StrictLoadingReportsEveryProblemAtOnce) {
  Generator gen(3);
  const auto mlp = make_mlp(gen);
  nn::StateDict state = mlp->state_dict();
  state.erase(state.begin() + 1);                  // missing 0.bias
  state[0].second = zeros({8, 5});                 // mis-shaped 0.weight
  state.emplace_back("3.weight", zeros({1}));      // unexpected
  try {
    mlp->load_state_dict(state);
    FAIL() << "expected an error";
  } catch (const ShapeError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("3 problem(s)"), std::string::npos) << m;
    EXPECT_NE(m.find("missing key '0.bias'"), std::string::npos) << m;
    EXPECT_NE(m.find("unexpected key '3.weight'"), std::string::npos) << m;
    EXPECT_NE(m.find("'0.weight' has shape [8, 5] in the state dict, [8, 4] in the module"), std::string::npos) << m;
  }
  // Non-strict loading takes what fits and ignores unknown keys (shapes must still match).
  nn::StateDict partial = {{"2.bias", ones({3})}, {"extra", ones({1})}};
  mlp->load_state_dict(partial, /*strict=*/false);
  EXPECT_EQ(mlp->named_parameters()[3].second.data().to_vector<float>(), (std::vector<float>{1, 1, 1}));
}

TEST(Module, TrainEvalReachesSubmodules) {
  Generator gen(4);
  const auto mlp = make_mlp(gen);
  mlp->eval();
  EXPECT_FALSE(mlp->is_training());
  mlp->train();
  EXPECT_TRUE(mlp->is_training());
}

TEST(Module, MlpParameterGradientsMatchFiniteDifferences) {
  Generator gen(5);
  const auto mlp = make_mlp(gen, DType::f64);
  const Variable x(randn({3, 4}, DType::f64, gen));
  const Variable w(randn({3, 3}, DType::f64, gen));
  auto loss = [&] { return autograd::sum(autograd::mul((*mlp)(x), w)); };
  loss().backward();
  const double h = 1e-6;
  for (const auto& [name, p] : mlp->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    const std::vector<double> analytic = p.grad().to_vector<double>();
    double* values = p.data().data<double>();
    for (int64_t j = 0; j < p.data().numel(); ++j) {
      autograd::NoGradGuard no_grad;
      const double saved = values[j];
      values[j] = saved + h;
      const double up = loss().data().item<double>();
      values[j] = saved - h;
      const double down = loss().data().item<double>();
      values[j] = saved;
      EXPECT_NEAR(analytic[j], (up - down) / (2 * h), 1e-6) << name << " element " << j;
    }
  }
  mlp->zero_grad();
  for (const Variable& p : mlp->parameters()) EXPECT_FALSE(p.grad().defined());
}

}  // namespace
}  // namespace nimbus

namespace nimbus {
namespace {

TEST(Module, ActivationModulesApplyTheirFunction) {
  const autograd::Variable x(from_vector<double>({-1.5, 0, 2}));
  EXPECT_EQ(nn::GELU()(x).data().to_vector<double>(), gelu(x.data()).to_vector<double>());
  EXPECT_EQ(nn::GELU(true)(x).data().to_vector<double>(),
            autograd::gelu_tanh(x).data().to_vector<double>());
  EXPECT_EQ(nn::SiLU()(x).data().to_vector<double>(), silu(x.data()).to_vector<double>());
}

}  // namespace
}  // namespace nimbus
