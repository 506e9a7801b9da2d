// Mixed-precision training (Note [Mixed precision], Note [Loss scaling]): the differentiable cast
// and the per-step parameter casts, the loss scaler and the skipped update, the 16-bit forward and
// backward of every zoo model on the CPU, digits runs in bf16 and fp16 against fp32, exact resume
// of an fp16 run with its scaler, and f32 master weights in the checkpoint.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "frontend/autograd/functions.h"
#include "frontend/io/safetensors.h"
#include "frontend/nn/batch_norm.h"
#include "frontend/nn/layers.h"
#include "frontend/optim/optimizer.h"
#include "kernels/ops.h"
#include "models/runner/loss_scaler.h"
#include "models/runner/mixed_precision.h"
#include "models/runner/objective.h"
#include "models/runner/trainer.h"
#include "models/zoo/model_zoo.h"
#include "runtime/error.h"

namespace nimbus::models {
namespace {

namespace fs = std::filesystem;
using autograd::Variable;

const std::string kDigits = std::string(NIMBUS_EXAMPLES_DIR) + "/data/digits.csv.gz";

// Bit-identical contents (same dtype, shape, every element equal).
bool same(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && sum(eq(a, b).to(DType::i64)).item<int64_t>() == a.numel();
}

TEST(MixedPrecision, CastIsDifferentiableAndHandsBackTheInputsDtype) {
  Generator gen(1);
  const Variable x(randn({4, 3}, DType::f32, gen), /*requires_grad=*/true);
  const Variable half = autograd::to(x, DType::f16);
  EXPECT_EQ(half.dtype(), DType::f16);
  EXPECT_FALSE(half.is_leaf());
  const Variable y = autograd::sum(autograd::mul(half, Variable(full({4, 3}, 3.0, {DType::f16}))));
  y.backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_EQ(x.grad().dtype(), DType::f32);
  EXPECT_TRUE(same(x.grad(), full({4, 3}, 3.0, {DType::f32})));
  // A cast to the same dtype is the variable itself.
  EXPECT_TRUE(autograd::to(x, DType::f32).same_as(x));
}

// Batch norm applies its scale and shift in f32 whatever its input's dtype: they stay f32 masters
// (no 16-bit round trip, no f16 gradient), while the linear layer's become 16-bit casts.
TEST(MixedPrecision, BatchNormParametersStayF32) {
  struct Net : nn::Module {
    std::shared_ptr<nn::Linear> fc;
    std::shared_ptr<nn::BatchNorm1d> bn;
    explicit Net(Generator& gen)
        : fc(register_module("fc", std::make_shared<nn::Linear>(3, 4, gen))),
          bn(register_module("bn", std::make_shared<nn::BatchNorm1d>(4))) {}
    Variable forward(const Variable& x) override { return (*bn)((*fc)(x)); }
  };
  Generator gen(3);
  Net net(gen);
  EXPECT_EQ(net.f32_parameters(), (std::vector<bool>{false, false, true, true}));
  const std::vector<Variable> masters = net.parameters();
  const LowPrecisionParameters low(net, DType::f16);
  const std::vector<Variable> now = net.parameters();
  EXPECT_EQ(now[0].dtype(), DType::f16);
  EXPECT_EQ(now[1].dtype(), DType::f16);
  EXPECT_TRUE(now[2].same_as(masters[2]));
  EXPECT_TRUE(now[3].same_as(masters[3]));
  const Variable out = net(Variable(randn({8, 3}, {DType::f16}, gen)));
  EXPECT_EQ(out.dtype(), DType::f16);
  autograd::sum(autograd::to(out, DType::f32)).backward();
  for (const Variable& m : masters) {
    ASSERT_TRUE(m.grad().defined());
    EXPECT_EQ(m.grad().dtype(), DType::f32);
  }
}

TEST(MixedPrecision, ParameterCastsLastForTheScopeOnly) {
  Generator gen(2);
  nn::Linear layer(3, 2, gen);
  const std::vector<Variable> masters = layer.parameters();
  {
    const LowPrecisionParameters low(layer, DType::bf16);
    for (const Variable& p : layer.parameters()) {
      EXPECT_EQ(p.dtype(), DType::bf16);
      EXPECT_FALSE(p.is_leaf());
    }
    const Variable out = layer(Variable(ones({5, 3}, {DType::bf16})));
    EXPECT_EQ(out.dtype(), DType::bf16);
    autograd::sum(autograd::to(out, DType::f32)).backward();
  }
  const std::vector<Variable> after = layer.parameters();
  ASSERT_EQ(after.size(), masters.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_TRUE(after[i].same_as(masters[i]));
    EXPECT_EQ(after[i].dtype(), DType::f32);
    ASSERT_TRUE(after[i].grad().defined());  // the gradient reached the f32 master
    EXPECT_EQ(after[i].grad().dtype(), DType::f32);
  }
  // d(sum(x W^T + b))/db = the batch size for every output.
  EXPECT_TRUE(same(after[1].grad(), full({2}, 5.0, {DType::f32})));
}

// f16 squares overflow above 256: batch norm computes its statistics of 16-bit inputs in f32.
TEST(MixedPrecision, BatchNormOfLargeHalfInputsStaysFinite) {
  nn::BatchNorm1d bn(2);
  Generator gen(4);
  const Variable x(add(mul(randn({16, 2}, DType::f32, gen), 1000.0), 3000.0).to(DType::f16), true);
  const Variable y = bn(x);
  EXPECT_EQ(y.dtype(), DType::f16);
  const Tensor y32 = y.data().to(DType::f32);
  EXPECT_TRUE(std::isfinite(sum(mul(y32, y32)).item<double>()));
  // Normalized: each channel's values have mean 0 and variance 1 (to f16 rounding).
  EXPECT_NEAR(mean(y32).item<double>(), 0.0, 1e-2);
  EXPECT_NEAR(mean(mul(y32, y32)).item<double>(), 1.0, 1e-2);
  autograd::sum(autograd::to(y, DType::f32)).backward();
  EXPECT_EQ(x.grad().dtype(), DType::f16);
  EXPECT_TRUE(std::isfinite(sum(x.grad().to(DType::f32)).item<double>()));
  const Tensor running = bn.named_buffers()[0].second;  // running_mean: 0.1 of the batch mean
  EXPECT_NEAR(mean(running).item<double>(), 300.0, 30.0);
}

TEST(MixedPrecision, PrecisionNames) {
  EXPECT_EQ(parse_precision("fp32"), Precision::fp32);
  EXPECT_EQ(compute_dtype(parse_precision("bf16")), DType::bf16);
  EXPECT_EQ(compute_dtype(parse_precision("fp16")), DType::f16);
  try {
    parse_precision("fp8");
    FAIL() << "fp8 was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("precision: expected one of fp32, bf16, fp16, got 'fp8'"), std::string::npos)
        << e.what();
  }
}

TEST(LossScaler, OverflowHalvesAndGoodStepsGrow) {
  LossScaler scaler(1024.0, /*growth_interval=*/3);
  EXPECT_EQ(scaler.scale(), 1024.0);
  EXPECT_FALSE(scaler.update(/*found_overflow=*/true));
  EXPECT_EQ(scaler.scale(), 512.0);
  EXPECT_TRUE(scaler.update(false));
  EXPECT_TRUE(scaler.update(false));
  EXPECT_EQ(scaler.scale(), 512.0);
  EXPECT_EQ(scaler.state().good_steps, 2);
  EXPECT_TRUE(scaler.update(false));  // the third good step in a row
  EXPECT_EQ(scaler.scale(), 1024.0);
  EXPECT_EQ(scaler.state().good_steps, 0);
  // An overflow restarts the count.
  EXPECT_TRUE(scaler.update(false));
  EXPECT_FALSE(scaler.update(true));
  EXPECT_EQ(scaler.state().good_steps, 0);
  EXPECT_EQ(scaler.scale(), 512.0);

  EXPECT_EQ(LossScaler().scale(), 65536.0);
  EXPECT_EQ(LossScaler().growth_interval(), 2000);
  LossScaler restored;
  restored.set_state({256.0, 7});
  EXPECT_EQ(restored.scale(), 256.0);
  EXPECT_EQ(restored.state().good_steps, 7);
  EXPECT_THROW(restored.set_state({0.0, 0}), ConfigError);
  EXPECT_THROW(LossScaler(1.0, 0), ConfigError);
}

struct TinyRun {
  Generator gen{7};
  nn::Linear model{3, 2, gen};
  optim::Adam optimizer{model.parameters(), optim::AdamOptions{}};
  // Gradients of `scale` times a fixed loss.
  void backward(double scale) {
    optimizer.zero_grad();
    const Variable x(from_vector(std::vector<float>{1, -2, 0.5f, 3, 0.25f, -1}, {2, 3}));
    autograd::sum(autograd::mul(model(x), model(x))).backward(full({}, scale, {DType::f32}));
  }
};

TEST(LossScaler, AnInfiniteGradientSkipsTheUpdate) {
  TinyRun run;
  LossScaler scaler(1024.0, 2000);
  const nn::StateDict weights = run.model.state_dict(), moments = run.optimizer.state_dict();
  for (const double bad : {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    run.backward(scaler.scale());
    Variable weight = run.model.parameters()[0];
    const Tensor poisoned = weight.grad().clone();
    poisoned.select(0, 1).select(0, 2).fill_(bad);
    weight.set_grad(poisoned);
    const double before = scaler.scale();
    EXPECT_FALSE(apply_gradients(run.optimizer, /*grad_clip=*/1.0, &scaler));
    EXPECT_EQ(scaler.scale(), before / 2);
  }
  // Weights and optimizer state (moments, step count) are untouched.
  const nn::StateDict weights_after = run.model.state_dict(), moments_after = run.optimizer.state_dict();
  for (size_t i = 0; i < weights.size(); ++i) EXPECT_TRUE(same(weights[i].second, weights_after[i].second));
  ASSERT_EQ(moments.size(), moments_after.size());
  for (size_t i = 0; i < moments.size(); ++i) EXPECT_TRUE(same(moments[i].second, moments_after[i].second));
}

TEST(LossScaler, AScaledStepEqualsTheUnscaledOne) {
  // The scale is a power of two, so unscaling is exact and the update is the fp32 update.
  TinyRun scaled, plain;
  LossScaler scaler(65536.0, 2000);
  scaled.backward(scaler.scale());
  plain.backward(1.0);
  EXPECT_TRUE(apply_gradients(scaled.optimizer, 0.5, &scaler));
  EXPECT_TRUE(apply_gradients(plain.optimizer, 0.5, nullptr));
  EXPECT_EQ(scaler.scale(), 65536.0);
  EXPECT_EQ(scaler.state().good_steps, 1);
  const nn::StateDict a = scaled.model.state_dict(), b = plain.model.state_dict();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same(a[i].second, b[i].second)) << a[i].first;
}

// Every zoo architecture runs a forward and backward with 16-bit parameters and inputs on the CPU,
// and its f32 masters receive finite f32 gradients.
TEST(MixedPrecision, EveryZooModelTrainsIn16Bits) {
  ModelSpec mlp, cnn, resnet, gpt;
  mlp.kind = "mlp";
  mlp.input_shape = {1, 8, 8};
  mlp.hidden = {16};
  mlp.activation = "gelu";
  mlp.dropout = 0.1;
  cnn.kind = "cnn";
  cnn.input_shape = {1, 8, 8};
  cnn.channels = {4, 8};
  cnn.fc_width = 16;
  resnet.kind = "resnet";
  resnet.input_shape = {1, 8, 8};
  resnet.channels = {4, 8};
  resnet.blocks_per_stage = 1;
  gpt.kind = "gpt";
  gpt.layers = 1;
  gpt.width = 16;
  gpt.heads = 2;
  gpt.context = 8;
  gpt.dropout = 0.1;
  gpt.input_shape = {8};
  for (ModelSpec* spec : {&mlp, &cnn, &resnet}) spec->classes = 10;
  gpt.classes = 11;  // the vocabulary
  for (const DType dtype : {DType::bf16, DType::f16}) {
    for (const ModelSpec* spec : {&mlp, &cnn, &resnet, &gpt}) {
      SCOPED_TRACE(spec->kind + " in " + std::string(dtype_name(dtype)));
      Generator init(1), dropout(2), data(3);
      const std::shared_ptr<nn::Module> model = build_model(*spec, init, dropout);
      const bool tokens = spec->kind == "gpt";
      const Tensor inputs =
          tokens ? randint(0, 11, {2, 8}, DType::i64, data) : randn({4, 1, 8, 8}, DType::f32, data);
      const Tensor targets = tokens ? randint(0, 11, {2, 8}, DType::i64, data) : randint(0, 10, {4}, DType::i64, data);
      Variable loss;
      {
        const LowPrecisionParameters low(*model, dtype);
        const Variable logits = (*model)(Variable(cast_inputs(inputs, dtype)));
        EXPECT_EQ(logits.dtype(), dtype);
        loss = objective_loss(autograd::to(logits, DType::f32), targets);
      }
      loss.backward();
      EXPECT_TRUE(std::isfinite(loss.data().item<double>()));
      for (const auto& [name, p] : model->named_parameters()) {
        EXPECT_EQ(p.dtype(), DType::f32) << name;
        ASSERT_TRUE(p.grad().defined()) << name;
        EXPECT_EQ(p.grad().dtype(), DType::f32) << name;
      }
      EXPECT_FALSE(gradients_overflowed(model->parameters()));
    }
  }
}

class MixedPrecisionRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nimbus_amp_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A digits MLP run of `training` (steps or epochs); `extra` are --set style overrides.
  RunConfig digits(const std::string& precision, const std::string& run, const std::string& training,
                   std::vector<std::string> extra = {}) {
    const std::string yaml = "seed: 5\ndevice: cpu\nprecision: " + precision +
                             "\n"
                             "model: {kind: mlp, hidden: [64], dropout: 0.1}\n"
                             "data: {dataset: digits, path: " + kDigits + ", batch_size: 32}\n"
                             "optimizer: {name: adamw, lr: 0.003}\n"
                             "training: {" + training + ", log_every: 10}\n"
                             "checkpoint: {dir: x}\n";
    extra.push_back("checkpoint.dir=" + (dir_ / run).string());
    return parse_run_config(yaml, "run.yaml", ".", extra);
  }
  TrainOptions options() {
    TrainOptions o;
    o.log = &log_;
    o.interactive = false;
    return o;
  }
  std::string metrics(const std::string& run) {
    std::ifstream in(dir_ / run / "metrics.jsonl");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
  std::ostringstream log_;
};

TEST_F(MixedPrecisionRun, Bf16AndFp16ReachTheFp32Accuracy) {
  double accuracy[3] = {};
  const char* names[3] = {"fp32", "bf16", "fp16"};
  for (int i = 0; i < 3; ++i) {
    Trainer trainer(digits(names[i], names[i], "epochs: 6"), options());
    const TrainSummary s = trainer.run();
    accuracy[i] = (s.val.accuracy + s.test->accuracy) / 2;  // 360 examples
    std::printf("[          ] %s: val %.4f, test %.4f, skipped %lld\n", names[i], s.val.accuracy, s.test->accuracy,
                static_cast<long long>(s.skipped_steps));
    EXPECT_EQ(trainer.precision(), parse_precision(names[i]));
    EXPECT_EQ(trainer.loss_scaler() != nullptr, i == 2);
    for (const Variable& p : trainer.model().parameters()) EXPECT_EQ(p.dtype(), DType::f32);
  }
  EXPECT_GT(accuracy[0], 0.9) << log_.str();
  EXPECT_NEAR(accuracy[1], accuracy[0], 0.03) << log_.str();
  EXPECT_NEAR(accuracy[2], accuracy[0], 0.03) << log_.str();
  // fp16 lines carry the scaler; the others do not.
  EXPECT_NE(metrics("fp16").find("\"loss_scale\":65536.0"), std::string::npos) << metrics("fp16");
  EXPECT_NE(metrics("fp16").find("\"skipped_steps\":"), std::string::npos);
  EXPECT_EQ(metrics("bf16").find("loss_scale"), std::string::npos);
  EXPECT_NE(log_.str().find("in fp16 mixed precision"), std::string::npos) << log_.str();
  EXPECT_NE(log_.str().find("loss scale 65536, 0 skipped"), std::string::npos) << log_.str();
}

// A scaler that starts far too high and grows every 4 steps: overflows and skipped steps all
// through the run. Stopped after 50 of 110 steps and resumed, the run ends with the same weights,
// scaler and losses as one that never stopped.
TEST_F(MixedPrecisionRun, Fp16ResumeRestoresTheScaler) {
  TrainOptions o = options();
  o.initial_loss_scale = std::ldexp(1.0, 40);
  o.loss_scale_growth_interval = 4;
  const std::vector<std::string> every = {"checkpoint.every=25"};
  Trainer straight(digits("fp16", "straight", "steps: 110", every), o);
  const TrainSummary full_run = straight.run();
  EXPECT_GT(full_run.skipped_steps, 25);  // 2^40 down to the f16 range, then one in 4 or 5
  EXPECT_GT(full_run.val.accuracy, 0.8) << log_.str();

  {
    Trainer first(digits("fp16", "resumed", "steps: 50", every), o);
    first.run();
  }
  TrainOptions resume = o;
  resume.resume = true;
  Trainer second(digits("fp16", "resumed", "steps: 110", every), resume);
  const TrainSummary resumed_run = second.run();
  EXPECT_EQ(resumed_run.skipped_steps, full_run.skipped_steps);
  EXPECT_EQ(second.loss_scaler()->state().scale, straight.loss_scaler()->state().scale);
  EXPECT_EQ(second.loss_scaler()->state().good_steps, straight.loss_scaler()->state().good_steps);
  const nn::StateDict a = straight.model().state_dict(), b = second.model().state_dict();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same(a[i].second, b[i].second)) << a[i].first;
  EXPECT_EQ(resumed_run.val.loss, full_run.val.loss);

  // The training lines after the resume (steps 60 on) match the uninterrupted run's.
  auto train_lines_after = [&](const std::string& run, int64_t from) {
    std::istringstream in(metrics(run));
    std::string line, out;
    while (std::getline(in, line)) {
      nlohmann::json j = nlohmann::json::parse(line);
      if (j["split"] != "train" || j["step"].get<int64_t>() < from) continue;
      j.erase("steps_per_s");
      out += j.dump() + "\n";
    }
    return out;
  };
  EXPECT_FALSE(train_lines_after("straight", 60).empty());
  EXPECT_EQ(train_lines_after("resumed", 60), train_lines_after("straight", 60));

  // The checkpoint holds f32 masters (and f32 optimizer moments) and the scaler's state.
  const SafetensorsFile file = load_safetensors(full_run.checkpoint);
  for (const auto& [name, t] : file.tensors) {
    if (t.dtype() != DType::i64) {
      EXPECT_EQ(t.dtype(), DType::f32) << name;
    }
  }
  const nlohmann::json state = nlohmann::json::parse(file.metadata.at("nimbus.training_state"));
  EXPECT_EQ(state.at("loss_scale").get<double>(), straight.loss_scaler()->scale());
  EXPECT_EQ(state.at("skipped_steps").get<int64_t>(), full_run.skipped_steps);
}

}  // namespace
}  // namespace nimbus::models
