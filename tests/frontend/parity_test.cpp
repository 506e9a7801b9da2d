// Parity with PyTorch: float64 inputs, outputs and gradients computed by PyTorch
// (bench/peers/make_parity_fixtures.py, committed as tests/frontend/data/pytorch_parity.safetensors)
// against the same ops on nimbus's tape, and two optimizer steps of SGD, Adam and AdamW.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "frontend/autograd/functions.h"
#include "frontend/autograd/index_functions.h"
#include "frontend/autograd/nn_functions.h"
#include "frontend/autograd/reduction_functions.h"
#include "frontend/io/safetensors.h"
#include "frontend/nn/attention.h"
#include "frontend/nn/batch_norm.h"
#include "frontend/optim/optimizer.h"

namespace nimbus {
namespace {

using autograd::Variable;

const SafetensorsFile& fixtures() {
  static const SafetensorsFile file = load_safetensors(std::string(NIMBUS_TEST_DATA_DIR) + "/pytorch_parity.safetensors");
  return file;
}

void expect_close(const Tensor& ours, const Tensor& theirs, const std::string& what) {
  ASSERT_EQ(ours.shape(), theirs.shape()) << what;
  const auto a = ours.to_vector<double>(), b = theirs.to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], 1e-10 + 1e-10 * std::abs(b[i])) << what << " element " << i;
}

// Runs case `name` through `fn` and compares the output and every gradient PyTorch recorded.
void check_case(const std::string& name, int inputs, const std::function<Variable(const std::vector<Variable>&)>& fn) {
  SCOPED_TRACE(name);
  const SafetensorsFile& f = fixtures();
  std::vector<Variable> vars;
  for (int i = 0; i < inputs; ++i) {
    const Tensor& t = f.at(name + ".in" + std::to_string(i));
    vars.emplace_back(t.clone(), is_floating(t.dtype()) && f.find(name + ".grad" + std::to_string(i)) != nullptr);
  }
  const Variable out = fn(vars);
  expect_close(out.data(), f.at(name + ".out"), name + " output");
  out.backward(f.at(name + ".grad_out"));
  for (int i = 0; i < inputs; ++i)
    if (const Tensor* grad = f.find(name + ".grad" + std::to_string(i)))
      expect_close(vars[i].grad(), *grad, name + " gradient of input " + std::to_string(i));
}

TEST(PyTorchParity, ElementwiseAndLinearAlgebra) {
  check_case("add", 2, [](const auto& v) { return v[0] + v[1]; });
  check_case("mul", 2, [](const auto& v) { return v[0] * v[1]; });
  check_case("div", 2, [](const auto& v) { return v[0] / v[1]; });
  check_case("exp", 1, [](const auto& v) { return autograd::exp(v[0]); });
  check_case("log", 1, [](const auto& v) { return autograd::log(v[0]); });
  check_case("tanh", 1, [](const auto& v) { return autograd::tanh(v[0]); });
  check_case("sigmoid", 1, [](const auto& v) { return autograd::sigmoid(v[0]); });
  check_case("relu", 1, [](const auto& v) { return autograd::relu(v[0]); });
  check_case("gelu_tanh", 1, [](const auto& v) { return autograd::gelu_tanh(v[0]); });
  check_case("gelu", 1, [](const auto& v) { return autograd::gelu(v[0]); });
  check_case("silu", 1, [](const auto& v) { return autograd::silu(v[0]); });
  check_case("matmul", 2, [](const auto& v) { return autograd::matmul(v[0], v[1]); });
  check_case("linear", 3, [](const auto& v) { return autograd::linear(v[0], v[1], v[2]); });
  check_case("sum_dim1", 1, [](const auto& v) { return autograd::sum(v[0], {1}); });
  check_case("mean_all", 1, [](const auto& v) { return autograd::mean(v[0]); });
}

TEST(PyTorchParity, NeuralNetworkOps) {
  check_case("softmax", 1, [](const auto& v) { return autograd::softmax(v[0], -1); });
  check_case("log_softmax", 1, [](const auto& v) { return autograd::log_softmax(v[0], 1); });
  check_case("layer_norm", 3, [](const auto& v) { return autograd::layer_norm(v[0], {4}, v[1], v[2]); });
  check_case("cross_entropy", 2, [](const auto& v) {
    return autograd::cross_entropy(v[0], v[1].data(), Reduction::mean, /*ignore_index=*/1, /*label_smoothing=*/0.1);
  });
  check_case("mse", 2, [](const auto& v) { return autograd::mse_loss(v[0], v[1]); });
  check_case("bce_with_logits", 2,
             [](const auto& v) { return autograd::binary_cross_entropy_with_logits(v[0], v[1].data()); });
  check_case("embedding", 2, [](const auto& v) { return autograd::embedding(v[0], v[1].data()); });
  check_case("attention_causal", 3,
             [](const auto& v) { return nn::scaled_dot_product_attention(v[0], v[1], v[2], /*causal=*/true); });
  check_case("batch_norm_train", 1, [](const auto& v) {
    static nn::BatchNorm1d bn(3, 1e-5, 0.1, DType::f64);
    return bn(v[0]);
  });
}

// Ties (amax, amin, inf-norm), a constant row (std) and a zero row (2-norm) are in the inputs, so
// the gradients chosen where there is no derivative are compared as well.
TEST(PyTorchParity, ReductionsScansAndIndexing) {
  const double inf = std::numeric_limits<double>::infinity();
  check_case("amax_ties", 1, [](const auto& v) { return autograd::amax(v[0], {1}); });
  check_case("amin_keepdim", 1, [](const auto& v) { return autograd::amin(v[0], {0, -1}, /*keepdim=*/true); });
  check_case("var_dim1", 1, [](const auto& v) { return autograd::var(v[0], {1}); });
  check_case("var_keepdim_correction0", 1,
             [](const auto& v) { return autograd::var(v[0], {0, 2}, /*correction=*/0, /*keepdim=*/true); });
  check_case("std_constant_row", 1, [](const auto& v) { return autograd::std(v[0], {-1}); });
  check_case("std_all", 1, [](const auto& v) { return autograd::std(v[0]); });
  check_case("norm2_zero_row", 1, [](const auto& v) { return autograd::norm(v[0], 2.0, {1}); });
  check_case("norm1", 1, [](const auto& v) { return autograd::norm(v[0], 1.0, {0, 1}, /*keepdim=*/true); });
  check_case("norm_inf_ties", 1, [inf](const auto& v) { return autograd::norm(v[0], inf, {-1}); });
  check_case("norm3", 1, [](const auto& v) { return autograd::norm(v[0], 3.0); });
  check_case("cumsum_dim1", 1, [](const auto& v) { return autograd::cumsum(v[0], 1); });
  check_case("cumsum_last", 1, [](const auto& v) { return autograd::cumsum(v[0], -1); });
  check_case("scatter_add", 3, [](const auto& v) { return autograd::scatter_add(v[0], 0, v[1].data(), v[2]); });
  check_case("masked_select_broadcast", 2, [](const auto& v) { return autograd::masked_select(v[0], v[1].data()); });
}

void check_optimizer(const std::string& name, const std::function<std::unique_ptr<optim::Optimizer>(Variable)>& make) {
  SCOPED_TRACE(name);
  const SafetensorsFile& f = fixtures();
  Variable p(f.at(name + ".param").clone(), true);
  const auto optimizer = make(p);
  for (int i = 0; i < 2; ++i) {
    p.set_grad(f.at(name + ".grad" + std::to_string(i)).clone());
    optimizer->step();
  }
  expect_close(p.data(), f.at(name + ".after"), name + " parameter after two steps");
}

TEST(PyTorchParity, OptimizerSteps) {
  check_optimizer("sgd", [](Variable p) {
    optim::SgdOptions o;
    o.lr = 0.1;
    o.momentum = 0.9;
    o.nesterov = true;
    o.weight_decay = 0.01;
    return std::make_unique<optim::SGD>(std::vector<Variable>{p}, o);
  });
  check_optimizer("adam", [](Variable p) {
    optim::AdamOptions o;
    o.lr = 0.01;
    o.weight_decay = 0.1;
    return std::make_unique<optim::Adam>(std::vector<Variable>{p}, o);
  });
  check_optimizer("adamw", [](Variable p) {
    return std::make_unique<optim::Adam>(std::vector<Variable>{p}, optim::adamw_options(0.01, 0.1));
  });
}

}  // namespace
}  // namespace nimbus
