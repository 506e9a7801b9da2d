// Float64 finite-difference checks of the ops whose backward is one fused kernel or GEMM: the
// activations, and linear (weight gradient as g^T x in [out, in] layout, leading dims folded).
#include <gtest/gtest.h>

#include "gradcheck.h"

namespace nimbus {
namespace {

using testing::expect_gradients_match;
using testing::randn_f64;

TEST(ActivationGradients, FusedBackwardsMatchFiniteDifferences) {
  // Values within 0.05 of relu's kink move away from it, so the differences stay one-sided.
  const Tensor raw = randn_f64({4, 5}, 41);
  const Tensor x = where(lt(abs(raw), scalar_tensor(0.05, DType::f64)), add(raw, 0.2), raw);
  expect_gradients_match([](const auto& v) { return autograd::relu(v[0]); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::sigmoid(v[0]); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::tanh(v[0]); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::silu(v[0]); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::gelu(v[0]); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::gelu_tanh(v[0]); }, {mul(x, 3.0)});
}

TEST(LinearGradients, AnyLeadingDimsWithAndWithoutBias) {
  const Tensor w = randn_f64({3, 4}, 52), b = randn_f64({3}, 53);
  for (const Shape& x_shape : {Shape{4}, Shape{5, 4}, Shape{2, 3, 4}}) {
    const Tensor x = randn_f64(x_shape, 51);
    expect_gradients_match([](const auto& v) { return autograd::linear(v[0], v[1], v[2]); }, {x, w, b});
    expect_gradients_match([](const auto& v) { return autograd::linear(v[0], v[1]); }, {x, w});
  }
  // A non-contiguous input (a transposed view) reshapes by copying; the gradients are the same.
  const Tensor xt = randn_f64({4, 5}, 54).transpose(0, 1);
  expect_gradients_match([](const auto& v) { return autograd::linear(v[0], v[1], v[2]); }, {xt, w, b});
}

TEST(LinearGradients, InputsThatNeedNoGradientGetNone) {
  autograd::Variable x(randn_f64({5, 4}, 61));  // data: no gradient wanted
  autograd::Variable w(randn_f64({3, 4}, 62), true), b(randn_f64({3}, 63), true);
  autograd::sum(autograd::linear(x, w, b)).backward();
  EXPECT_FALSE(x.requires_grad());
  ASSERT_TRUE(w.grad().defined());
  EXPECT_TRUE(w.grad().is_contiguous());
  EXPECT_EQ(w.grad().shape(), (Shape{3, 4}));
  // d sum(x w^T + b) / dw[o][i] = sum over rows of x[n][i]; / db[o] = rows.
  const Tensor expected = sum(x.data(), {0}, true).expand({3, 4});
  const std::vector<double> got = w.grad().to_vector<double>(), want = expected.contiguous().to_vector<double>();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "element " << i;
  EXPECT_EQ(b.grad().to_vector<double>(), std::vector<double>(3, 5.0));
}

}  // namespace
}  // namespace nimbus
