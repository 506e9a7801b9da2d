// BatchNorm on the fused op (Note [Fused batch norm] in kernels/nn_batch_norm.cpp) against the
// formula it was composed of before, written out here from differentiable ops: outputs, the three
// gradients, running statistics and num_batches_tracked over [N, C] and [N, C, H, W] inputs of odd
// sizes, training and evaluation, f32 and f64; finite-difference gradients of the fused op; 16-bit
// inputs; and the module's error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "frontend/autograd/functions.h"
#include "frontend/autograd/nn_functions.h"
#include "frontend/nn/batch_norm.h"
#include "gradcheck.h"
#include "kernels/ops.h"

namespace nimbus {
namespace {

using autograd::Variable;
using testing::expect_gradients_match;
using testing::randn_f64;

// The composed batch norm BatchNorm::forward used before the fused op, with its running-statistics
// update (momentum 0.1, unbiased variance).
struct ComposedBatchNorm {
  Tensor running_mean, running_var;
  double eps = 1e-5, momentum = 0.1;

  Variable forward(const Variable& x, const Variable& weight, const Variable& bias, bool training) {
    const int64_t rank = x.dim(), c = x.size(1);
    std::vector<int64_t> dims = {0};
    for (int64_t d = 2; d < rank; ++d) dims.push_back(d);
    Shape channel_shape(static_cast<size_t>(rank), 1);
    channel_shape[1] = c;
    Variable mean, var;
    if (training) {
      const int64_t count = x.data().numel() / c;
      mean = autograd::mean(x, dims, /*keepdim=*/true);
      const Variable centred = autograd::sub(x, mean);
      var = autograd::mean(autograd::mul(centred, centred), dims, true);
      autograd::NoGradGuard no_grad;
      const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
      running_mean.copy_(add(mul(running_mean, 1 - momentum), mul(mean.data().reshape({c}), momentum)));
      running_var.copy_(add(mul(running_var, 1 - momentum), mul(var.data().reshape({c}), momentum * unbias)));
    } else {
      mean = Variable(running_mean.reshape(channel_shape));
      var = Variable(running_var.reshape(channel_shape));
    }
    const Variable normalised = autograd::div(autograd::sub(x, mean), autograd::sqrt(autograd::add(var, eps)));
    return autograd::add(autograd::mul(normalised, autograd::reshape(weight, channel_shape)),
                         autograd::reshape(bias, channel_shape));
  }
};

void expect_near_all(const Tensor& actual, const Tensor& expected, double tol, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  const std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  int reported = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::abs(a[i] - e[i]) <= tol * (1 + std::abs(e[i]))) && reported++ < 5)
      ADD_FAILURE() << what << " [" << i << "]: fused " << a[i] << ", composed " << e[i];
}

// Two training steps then one evaluation step through the module and through the composed
// formula, comparing everything each step produces.
void module_matches_composed(const Shape& shape, DType dt, uint64_t seed) {
  const int64_t c = shape[1];
  const double tol = dt == DType::f64 ? 1e-10 : 2e-4;
  const bool image = shape.size() == 4;
  std::unique_ptr<nn::BatchNorm> bn;
  if (image) bn = std::make_unique<nn::BatchNorm2d>(c, 1e-5, 0.1, dt);
  else bn = std::make_unique<nn::BatchNorm1d>(c, 1e-5, 0.1, dt);
  // Parameters other than 1 and 0, so that weight and bias enter the gradients.
  Generator gen(seed);
  const Tensor w0 = randn({c}, dt, gen), b0 = randn({c}, dt, gen);
  const auto params = bn->named_parameters();
  params[0].second.data().copy_(w0);
  params[1].second.data().copy_(b0);
  ComposedBatchNorm ref{zeros({c}, dt), ones({c}, dt)};
  int64_t steps = 0;
  for (const bool training : {true, true, false}) {
    const std::string what = shape_str(shape) + " " + std::string(dtype_name(dt)) +
                             (training ? " train" : " eval") + " step " + std::to_string(steps);
    bn->train(training);
    const Tensor x0 = add(mul(randn(shape, dt, gen), 3.0), 2.0);
    const Tensor g = randn(shape, dt, gen);
    bn->zero_grad();
    const Variable x(x0.clone(), true);
    const Variable y = (*bn)(x);
    autograd::sum(autograd::mul(y, Variable(g))).backward();

    const Variable rx(x0.clone(), true), rw(w0.clone(), true), rb(b0.clone(), true);
    const Variable ry = ref.forward(rx, rw, rb, training);
    autograd::sum(autograd::mul(ry, Variable(g))).backward();

    expect_near_all(y.data(), ry.data(), tol, what + " output");
    expect_near_all(x.grad(), rx.grad(), tol, what + " grad_input");
    expect_near_all(params[0].second.grad(), rw.grad(), tol, what + " grad_weight");
    expect_near_all(params[1].second.grad(), rb.grad(), tol, what + " grad_bias");
    const auto state = bn->state_dict();
    expect_near_all(state[2].second, ref.running_mean, tol, what + " running_mean");
    expect_near_all(state[3].second, ref.running_var, tol, what + " running_var");
    if (training) ++steps;
    EXPECT_EQ(state[4].second.item<int64_t>(), steps) << what;
  }
}

TEST(BatchNormFused, ModuleMatchesComposedFormula) {
  uint64_t seed = 1;
  for (DType dt : {DType::f64, DType::f32})
    for (const Shape& shape : {Shape{2, 1}, Shape{5, 3}, Shape{7, 13}, Shape{257, 4}, Shape{2, 3, 1, 1},
                               Shape{3, 4, 5, 7}, Shape{1, 2, 9, 11}, Shape{4, 3, 16, 17}})
      module_matches_composed(shape, dt, seed++);
}

TEST(BatchNormFused, GradientsMatchFiniteDifferences) {
  for (const Shape& shape : {Shape{5, 3}, Shape{3, 2, 3, 2}, Shape{2, 3, 1, 3}})
    for (bool training : {true, false}) {
      SCOPED_TRACE(shape_str(shape) + (training ? " train" : " eval"));
      const int64_t c = shape[1];
      const Tensor rm = randn_f64({c}, 20), rv = add(mul(randn_f64({c}, 21), randn_f64({c}, 21)), 0.5);
      expect_gradients_match(
          [&](const auto& v) { return autograd::batch_norm(v[0], v[1], v[2], rm, rv, training).output; },
          {randn_f64(shape, 22), randn_f64({c}, 23), randn_f64({c}, 24)});
    }
}

TEST(BatchNormFused, SixteenBitInputsNormalizeInF32) {
  for (DType dt : {DType::f16, DType::bf16}) {
    nn::BatchNorm2d bn(3);
    Generator gen(30);
    const Tensor x0 = randn({4, 3, 5, 5}, DType::f32, gen).to(dt);
    const Variable x(x0, true);
    const Variable y = bn(x);
    EXPECT_EQ(y.dtype(), dt);
    autograd::sum(y).backward();
    EXPECT_EQ(x.grad().dtype(), dt);
    EXPECT_EQ(bn.named_parameters()[0].second.grad().dtype(), DType::f32);
    // The composed formula on the same (upcast) values.
    ComposedBatchNorm ref{zeros({3}), ones({3})};
    const Tensor expect =
        ref.forward(Variable(x0.to(DType::f32)), Variable(ones({3})), Variable(zeros({3})), true).data().to(dt);
    expect_near_all(y.data(), expect, dt == DType::f16 ? 2e-3 : 1.6e-2, std::string(dtype_name(dt)));
    expect_near_all(bn.state_dict()[3].second, ref.running_var, 1e-5, "running_var");
  }
}

// f64 parameters with an f32 input normalize in f64 (the composed formula's type promotion), and
// each gradient comes back in its tensor's dtype.
TEST(BatchNormFused, F64ParametersPromoteAnF32Input) {
  nn::BatchNorm2d bn(3, 1e-5, 0.1, DType::f64);
  Generator gen(40);
  const Variable x(randn({4, 3, 2, 3}, DType::f32, gen), true);
  const Variable y = bn(x);
  EXPECT_EQ(y.dtype(), DType::f64);
  autograd::sum(autograd::mul(y, y)).backward();
  EXPECT_EQ(x.grad().dtype(), DType::f32);
  EXPECT_EQ(bn.named_parameters()[0].second.grad().dtype(), DType::f64);
  EXPECT_EQ(bn.state_dict()[2].second.dtype(), DType::f64);
}

TEST(BatchNormFused, ErrorsAreTheModules) {
  nn::BatchNorm2d bn2(3);
  try {
    bn2(Variable(zeros({4, 2, 2, 2})));
    ADD_FAILURE() << "no exception";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("BatchNorm2d(3): expected input [N, C, H, W] with C = 3, got [4, 2, 2, 2]"),
              std::string::npos)
        << e.what();
  }
  nn::BatchNorm1d bn1(3);
  EXPECT_THROW(bn1(Variable(zeros({4, 3, 2}))), ShapeError);
  try {
    bn1(Variable(zeros({1, 3})));
    ADD_FAILURE() << "no exception";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("training needs more than one value per channel"), std::string::npos)
        << e.what();
  }
  bn1.eval();  // one value per channel is fine with the running statistics
  EXPECT_EQ(bn1(Variable(zeros({1, 3}))).shape(), (Shape{1, 3}));
}

}  // namespace
}  // namespace nimbus
