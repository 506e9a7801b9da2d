// Parity of the zoo's models with their PyTorch twins (bench/peers/make_model_fixtures.py, which
// writes tests/models/data/model_<kind>.safetensors): with PyTorch's initial weights loaded by
// name, the logits, the loss, every gradient, and the weights (and batch norm statistics) after 5
// AdamW steps must match. The references are float64; each model runs in float64 (a check of the
// math, to ~1e-9) and in float32 (the precision training uses, to float32's own error).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "frontend/autograd/functions.h"
#include "frontend/autograd/nn_functions.h"
#include "frontend/io/safetensors.h"
#include "frontend/optim/optimizer.h"
#include "models/zoo/model_zoo.h"

namespace nimbus::models {
namespace {

using autograd::Variable;

// The specs the fixtures were made with (the sizes in make_model_fixtures.py's fixtures()).
ModelSpec fixture_spec(const std::string& kind) {
  ModelSpec spec;
  spec.kind = kind;
  if (kind == "mlp") {
    spec.input_shape = {1, 8, 8};
    spec.classes = 10;
    spec.hidden = {24, 16};
    spec.activation = "gelu";
  } else if (kind == "cnn") {
    spec.input_shape = {1, 10, 10};
    spec.classes = 10;
    spec.channels = {4, 8};
    spec.kernel_size = 5;
    spec.fc_width = 16;
  } else if (kind == "resnet") {
    spec.input_shape = {1, 8, 8};
    spec.classes = 5;
    spec.channels = {4, 8};
    spec.blocks_per_stage = 2;
  } else {
    spec.input_shape = {6};
    spec.classes = 11;
    spec.layers = 2;
    spec.width = 16;
    spec.heads = 4;
    spec.context = 8;
  }
  return spec;
}

// |ours - theirs| <= atol + rtol * |theirs| elementwise, with atol relative to the largest
// reference value: gradients and updates mix large and tiny entries, and a tiny entry's error is
// that of the sums that produced it, which scale with the large ones.
struct Tolerance {
  double rtol, atol_of_max;
  double atol = 0;  // an absolute part, added
};

// One report per tensor (not per element), giving the worst element.
void expect_close(const Tensor& ours, const Tensor& theirs, Tolerance tol, const std::string& what) {
  ASSERT_EQ(ours.shape(), theirs.shape()) << what;
  const auto a = ours.to_vector<double>(), b = theirs.to_vector<double>();
  double largest = 0;
  for (double v : b) largest = std::max(largest, std::abs(v));
  const double atol = tol.atol + tol.atol_of_max * std::max(largest, 1e-3);
  size_t worst = 0;
  double worst_excess = -1, max_error = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double error = std::abs(a[i] - b[i]);
    max_error = std::max(max_error, error);
    const double excess = error / (atol + tol.rtol * std::abs(b[i]));
    if (!(excess <= worst_excess)) worst_excess = excess, worst = i;
  }
  EXPECT_LE(worst_excess, 1.0) << what << ": element " << worst << " is " << a[worst] << ", expected " << b[worst]
                               << " (max abs error " << max_error << ", largest |value| " << largest << ")";
}

constexpr double kLr = 1e-2;
constexpr int kSteps = 5;
constexpr double kMaxNoiseDrift = kSteps * kLr;  // up to lr per step, in either direction

struct Tolerances {
  Tolerance forward, gradient, after_steps;
  // Absolute bound after the steps for a parameter whose gradient is zero in exact arithmetic
  // (attention's key bias: adding it shifts a query's scores for every key alike, and softmax
  // ignores that). Its computed gradient is rounding noise, which Adam divides by the noise's own
  // root mean square, so the update is anywhere up to about lr per step, in both libraries.
  double noise_driven_after;
};

// float64: the same math as PyTorch in the same precision; only summation order differs
// (observed errors are below 1e-15 relative to the tensors' largest values). Noise gradients
// are ~1e-17 there, far below Adam's eps (1e-8), so they move a weight by less than 1e-9.
constexpr Tolerances kFloat64 = {{1e-10, 1e-12}, {1e-9, 1e-11}, {1e-9, 1e-10}, 1e-8};
// float32: the logits and the loss carry float32 roundings through the layers (observed: up to
// 3e-7 of the largest logit), gradients lose a little more where sums cancel (observed 1.4e-6 of
// the largest), and the weights after the steps stay within 5e-7 (lr is 1e-2); the bounds below
// are 10-20 times the observed errors. Noise gradients are ~1e-8 there, comparable to eps, so
// such a weight may move by up to lr per step.
constexpr Tolerances kFloat32 = {{1e-5, 1e-6}, {1e-4, 1e-5}, {1e-4, 2e-5}, kMaxNoiseDrift};

// A parameter whose reference gradient is rounding noise (exactly zero in exact arithmetic).
bool noise_driven(const Tensor& reference_grad) {
  const auto g = reference_grad.to_vector<double>();
  return std::all_of(g.begin(), g.end(), [](double v) { return std::abs(v) < 1e-12; });
}

nn::StateDict with_prefix(const SafetensorsFile& file, const std::string& prefix) {
  nn::StateDict out;
  for (const auto& [name, t] : file.tensors)
    if (name.starts_with(prefix)) out.emplace_back(name.substr(prefix.size()), t);
  return out;
}

Variable loss_of(const Variable& logits, const Tensor& target) {
  const int64_t classes = logits.size(-1);
  return autograd::cross_entropy(autograd::reshape(logits, {-1, classes}), target.reshape({-1}));
}

void check_parity(const std::string& kind, DType dtype, const Tolerances& tol) {
  SCOPED_TRACE(kind + " in " + std::string(dtype_name(dtype)));
  const SafetensorsFile f = load_safetensors(std::string(NIMBUS_TEST_DATA_DIR) + "/model_" + kind + ".safetensors");
  ModelSpec spec = fixture_spec(kind);
  spec.dtype = dtype;
  Generator init(0), dropout(0);
  const auto model = build_model(spec, init, dropout);
  // Strict: PyTorch's names and shapes must be exactly the model's (parameters and buffers).
  model->load_state_dict(with_prefix(f, "param."));
  model->train();

  const Tensor& target = f.at("target");
  Tensor input = f.at("input");
  if (is_floating(input.dtype())) input = input.to(dtype);
  optim::Adam optimizer(model->parameters(), optim::adamw_options(kLr, 0.01));
  for (int step = 0; step < kSteps; ++step) {
    optimizer.zero_grad();
    const Variable logits = (*model)(Variable(input));
    const Variable loss = loss_of(logits, target);
    loss.backward();
    if (step == 0) {
      expect_close(logits.data(), f.at("logits"), tol.forward, "logits");
      expect_close(loss.data(), f.at("loss"), tol.forward, "loss");
      for (const auto& [name, p] : model->named_parameters()) {
        ASSERT_TRUE(p.grad().defined()) << name;
        expect_close(p.grad(), f.at("grad." + name), tol.gradient, "gradient of " + name);
      }
    }
    optimizer.step();
  }
  for (const auto& [name, value] : model->state_dict()) {
    if (!is_floating(value.dtype())) {  // num_batches_tracked
      EXPECT_EQ(value.to_vector<int64_t>(), f.at("after." + name).to_vector<int64_t>()) << name;
      continue;
    }
    const std::string what = name + " after 5 AdamW steps";
    const Tensor* grad = f.find("grad." + name);  // absent for buffers
    if (grad && noise_driven(*grad)) {
      // Only attention's key biases are expected here; anything else would hide a real gradient.
      EXPECT_TRUE(name.ends_with("attn.key.bias")) << name << " has a zero gradient in PyTorch";
      expect_close(value, f.at("after." + name), {0, 0, tol.noise_driven_after}, what);
    } else {
      expect_close(value, f.at("after." + name), tol.after_steps, what);
    }
  }
  if (const Tensor* eval_logits = f.find("eval_logits")) {
    model->eval();
    autograd::NoGradGuard no_grad;
    expect_close((*model)(Variable(input)).data(), *eval_logits, tol.forward, "evaluation-mode logits");
  }
}

TEST(ZooParity, MlpMatchesPyTorch) {
  check_parity("mlp", DType::f64, kFloat64);
  check_parity("mlp", DType::f32, kFloat32);
}

TEST(ZooParity, CnnMatchesPyTorch) {
  check_parity("cnn", DType::f64, kFloat64);
  check_parity("cnn", DType::f32, kFloat32);
}

// Training mode (batch statistics, running statistics after 5 forward passes) and evaluation mode.
TEST(ZooParity, ResNetMatchesPyTorchInTrainingAndEvaluation) {
  check_parity("resnet", DType::f64, kFloat64);
  check_parity("resnet", DType::f32, kFloat32);
}

TEST(ZooParity, GptMatchesPyTorch) {
  check_parity("gpt", DType::f64, kFloat64);
  check_parity("gpt", DType::f32, kFloat32);
}

}  // namespace
}  // namespace nimbus::models
