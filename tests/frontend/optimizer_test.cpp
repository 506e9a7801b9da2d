// Optimizers against hand-computed steps (torch.optim semantics), state round trips, gradient
// clipping, schedules, and a small model that actually learns.
#include <gtest/gtest.h>

#include <cmath>

#include "frontend/autograd/functions.h"
#include "frontend/nn/layers.h"
#include "frontend/optim/optimizer.h"
#include "frontend/optim/schedule.h"
#include "kernels/ops.h"

namespace nimbus {
namespace {

using autograd::Variable;

// A one-element parameter with gradient `g`.
Variable param_with_grad(double value, double g, DType dtype = DType::f64) {
  Variable p(full({1}, value, dtype), true);
  p.set_grad(full({1}, g, dtype));
  return p;
}

TEST(Optimizer, SgdMomentumAndNesterovByHand) {
  Variable p = param_with_grad(1.0, 1.0);
  optim::SgdOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  optim::SGD sgd({p}, o);
  sgd.step();  // buf = 1, p = 1 - 0.1
  EXPECT_NEAR(p.data().item<double>(), 0.9, 1e-12);
  sgd.step();  // buf = 0.9 + 1 = 1.9, p = 0.9 - 0.19
  EXPECT_NEAR(p.data().item<double>(), 0.71, 1e-12);

  Variable q = param_with_grad(1.0, 1.0);
  o.nesterov = true;
  optim::SGD nesterov({q}, o);
  nesterov.step();  // buf = 1, g = 1 + 0.9 * 1
  EXPECT_NEAR(q.data().item<double>(), 0.81, 1e-12);

  Variable r = param_with_grad(2.0, 0.5);
  optim::SgdOptions decay;
  decay.lr = 0.1;
  decay.weight_decay = 0.5;  // g = 0.5 + 0.5 * 2
  optim::SGD plain({r}, decay);
  plain.step();
  EXPECT_NEAR(r.data().item<double>(), 1.85, 1e-12);
}

TEST(Optimizer, AdamAndAdamWByHand) {
  Variable p = param_with_grad(1.0, 0.5);
  optim::AdamOptions o;
  o.lr = 0.1;
  optim::Adam adam({p}, o);
  adam.step();  // m = 0.05, v = 0.00025; m/bc1 = 0.5, sqrt(v/bc2) = 0.5: the step is lr
  EXPECT_NEAR(p.data().item<double>(), 0.9, 1e-7);

  Variable q = param_with_grad(1.0, 0.5);
  optim::Adam adamw({q}, optim::adamw_options(0.1, 0.1));
  adamw.step();  // p *= 1 - 0.01, then the same step
  EXPECT_NEAR(q.data().item<double>(), 0.89, 1e-7);

  // Two steps with a changing gradient, against the formulas written out.
  Variable s = param_with_grad(0.5, 0.2);
  optim::Adam two({s}, o);
  two.step();
  s.set_grad(full({1}, -0.4, DType::f64));
  two.step();
  double m = 0.1 * 0.2, v = 0.001 * 0.04, x = 0.5 - 0.1 * (m / 0.1) / (std::sqrt(v / 0.001) + 1e-8);
  m = 0.9 * m + 0.1 * -0.4;
  v = 0.999 * v + 0.001 * 0.16;
  x -= 0.1 * (m / (1 - 0.81)) / (std::sqrt(v / (1 - 0.999 * 0.999)) + 1e-8);
  EXPECT_NEAR(s.data().item<double>(), x, 1e-12);
}

TEST(Optimizer, SixteenBitParametersUpdateThroughF32) {
  Variable p = param_with_grad(1.0, 0.5, DType::bf16);
  optim::AdamOptions o;
  o.lr = 0.125;
  optim::Adam adam({p}, o);
  adam.step();
  EXPECT_EQ(p.data().dtype(), DType::bf16);
  EXPECT_NEAR(p.data().item<double>(), 0.875, 4e-3);
}

TEST(Optimizer, StateRoundTripResumesExactly) {
  auto run = [](int steps_before, bool restore) {
    Variable p(from_vector<double>({1, -2, 3}), true);
    optim::Adam adam({p}, {});
    nn::StateDict saved;
    Tensor saved_param;
    for (int i = 0; i < 4; ++i) {
      if (i == steps_before && restore) {
        saved = adam.state_dict();
        saved_param = p.data().clone();
        Variable fresh(saved_param, true);
        optim::Adam resumed({fresh}, {});
        resumed.load_state_dict(saved);
        EXPECT_EQ(resumed.steps(), steps_before);
        for (int j = i; j < 4; ++j) {
          fresh.set_grad(mul(fresh.data(), 0.5));
          resumed.step();
        }
        return fresh.data().to_vector<double>();
      }
      p.set_grad(mul(p.data(), 0.5));
      adam.step();
    }
    return p.data().to_vector<double>();
  };
  EXPECT_EQ(run(2, true), run(2, false));  // bit-identical
}

TEST(Optimizer, ParametersWithoutGradientsAreSkippedAndBadOptionsRejected) {
  Variable p(from_vector<double>({1}), true);
  optim::SGD sgd({p}, {});
  sgd.step();
  EXPECT_EQ(p.data().item<double>(), 1.0);
  optim::SgdOptions bad;
  bad.nesterov = true;
  EXPECT_THROW(optim::SGD({p}, bad), ConfigError);
  optim::AdamOptions betas;
  betas.beta1 = 1.0;
  EXPECT_THROW(optim::Adam({p}, betas), ConfigError);
  EXPECT_THROW(optim::SGD({Variable(zeros({1}))}, {}), Error);  // not a trainable parameter
}

TEST(Optimizer, ClipGradNormScalesToTheLimit) {
  Variable a = param_with_grad(0, 3), b = param_with_grad(0, 4);  // global norm 5
  EXPECT_NEAR(optim::clip_grad_norm({a, b}, 1.0), 5.0, 1e-12);
  EXPECT_NEAR(a.grad().item<double>(), 0.6, 1e-6);
  EXPECT_NEAR(b.grad().item<double>(), 0.8, 1e-6);
  EXPECT_NEAR(optim::clip_grad_norm({a, b}, 10.0), 1.0, 1e-5);  // under the limit: unchanged
  EXPECT_NEAR(a.grad().item<double>(), 0.6, 1e-6);
}

TEST(Optimizer, ClipGradNormScalesGradientsThatShareABufferOnce) {
  // add's backward hands the same gradient tensor to both inputs, so two leaves can end up with
  // one buffer as their .grad; clipping must still scale each gradient exactly once.
  Variable a(from_vector(std::vector<double>{3.0}), true), b(from_vector(std::vector<double>{4.0}), true);
  autograd::sum(autograd::add(a, b)).backward();  // both gradients are 1
  const double norm = optim::clip_grad_norm({a, b}, 0.5);
  EXPECT_NEAR(norm, std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(a.grad().item<double>(), 0.5 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(b.grad().item<double>(), 0.5 / std::sqrt(2.0), 1e-6);
}

TEST(Schedule, WarmupThenConstantStepAndCosine) {
  optim::LrSchedule s;
  s.base_lr = 1.0;
  s.warmup_steps = 4;
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.25);
  EXPECT_DOUBLE_EQ(s.lr_at(3), 1.0);
  EXPECT_DOUBLE_EQ(s.lr_at(100), 1.0);
  s.kind = optim::LrSchedule::Kind::step;
  s.step_size = 10;
  s.gamma = 0.5;
  EXPECT_DOUBLE_EQ(s.lr_at(13), 1.0);
  EXPECT_DOUBLE_EQ(s.lr_at(14), 0.5);
  s.kind = optim::LrSchedule::Kind::cosine;
  s.total_steps = 104;
  s.min_lr = 0.1;
  EXPECT_DOUBLE_EQ(s.lr_at(4), 1.0);
  EXPECT_NEAR(s.lr_at(54), 0.55, 1e-12);
  EXPECT_DOUBLE_EQ(s.lr_at(104), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(500), 0.1);
  s.total_steps = 3;
  EXPECT_THROW(s.validate(), ConfigError);
  EXPECT_THROW(optim::parse_schedule_kind("linear"), ConfigError);
}

TEST(Optimizer, AdamTrainsASmallRegressionModel) {
  Generator gen(11);
  nn::Sequential model({std::make_shared<nn::Linear>(2, 16, gen), std::make_shared<nn::Tanh>(),
                        std::make_shared<nn::Linear>(16, 1, gen)});
  const Tensor x = randn({64, 2}, {}, gen);
  // Target: y = x0 * x1 (not linear, so the hidden layer is needed).
  const Tensor y = mul(x.narrow(1, 0, 1), x.narrow(1, 1, 1));
  optim::Adam adam(model.parameters(), optim::adamw_options(0.02, 0.0));
  auto loss_value = [&] {
    const Variable diff = model(Variable(x)) - Variable(y);
    return autograd::mean(diff * diff);
  };
  const double initial = loss_value().data().item<double>();
  for (int i = 0; i < 300; ++i) {
    adam.zero_grad();
    const Variable loss = loss_value();
    loss.backward();
    adam.step();
  }
  const double final_loss = loss_value().data().item<double>();
  EXPECT_LT(final_loss, initial * 0.1) << "initial " << initial << ", final " << final_loss;
}

}  // namespace
}  // namespace nimbus
