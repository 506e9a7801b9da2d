// The fused activation backward kernels (grad * f'(saved)) and the tanh GELU against float64
// formulas written here: every float dtype, strided and broadcast operands, edge values, and the
// accuracy bound of the vectorized tanh GELU (Note [Tanh GELU through exp]) on a dense f32 grid.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "kernels/ops.h"
#include "reference.h"

namespace nimbus {
namespace {

using testing::expect_values;
using testing::non_contiguous;
using testing::random_tensor;
using testing::tolerance;
using testing::values;

constexpr double kK = 0.79788456080286535588, kC = 0.044715;

double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
// 0.5 x (1 + tanh(u)) through the identity 1 + tanh(u) = 2 / (1 + e^{-2u}): in float64 the tanh
// form loses every digit far left, where the f32 kernel must still be compared relatively.
double ref_gelu_tanh(double x) { return x / (1 + std::exp(-2 * kK * (x + kC * x * x * x))); }
double ref_gelu_tanh_grad(double x) {
  const double e = std::exp(-2 * kK * (x + kC * x * x * x)), s = 1 / (1 + e);
  return s + 2 * x * s * (e * s) * kK * (1 + 3 * kC * x * x);
}
double ref_gelu_erf_grad(double x) {
  return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
}

struct BackwardCase {
  const char* name;
  std::function<Tensor(const Tensor&, const Tensor&)> op;
  std::function<double(double, double)> reference;  // (grad, saved) -> grad of the input
  double lo, hi;                                      // range of the saved values
};

const BackwardCase kBackwardCases[] = {
    {"relu", relu_backward, [](double g, double s) { return s > 0 ? g : 0.0; }, -3, 3},
    {"sigmoid", sigmoid_backward, [](double g, double y) { return g * y * (1 - y); }, 0, 1},
    {"tanh", tanh_backward, [](double g, double y) { return g * (1 - y * y); }, -1, 1},
    {"silu", silu_backward,
     [](double g, double x) { return g * ref_sigmoid(x) * (1 + x * (1 - ref_sigmoid(x))); }, -6, 6},
    {"gelu", [](const Tensor& g, const Tensor& x) { return gelu_backward(g, x); },
     [](double g, double x) { return g * ref_gelu_erf_grad(x); }, -5, 5},
    {"gelu_tanh", [](const Tensor& g, const Tensor& x) { return gelu_backward(g, x, GeluApproximation::tanh); },
     [](double g, double x) { return g * ref_gelu_tanh_grad(x); }, -8, 8},
};

TEST(ActivationBackward, MatchesReferenceForFloatDtypesAndLayouts) {
  for (const BackwardCase& c : kBackwardCases) {
    for (DType dtype : testing::float_dtypes()) {
      for (int layout = 0; layout < 3; ++layout) {  // contiguous, strided, saved broadcast over rows
        const Shape saved_shape = layout == 2 ? Shape{1, 67} : Shape{5, 67};
        Tensor g = random_tensor({5, 67}, dtype, 11);
        Tensor s = random_tensor(saved_shape, dtype, 12, c.lo, c.hi);
        if (layout == 1) {
          g = non_contiguous(g);
          s = non_contiguous(s);
        }
        const Tensor out = c.op(g, s);
        EXPECT_EQ(out.dtype(), dtype);
        const std::vector<double> gv = values(g), sv = values(s.expand({5, 67}));
        std::vector<double> expected;
        for (size_t i = 0; i < gv.size(); ++i) expected.push_back(c.reference(gv[i], sv[i]));
        SCOPED_TRACE(std::string(c.name) + " " + std::string(dtype_name(dtype)) + " layout " + std::to_string(layout));
        expect_values(out, {5, 67}, expected, 8 * tolerance(dtype), 8 * tolerance(dtype));
      }
    }
  }
}

TEST(ActivationBackward, EdgeValuesAndDtypes) {
  const Tensor g = from_vector<float>({1, 2, 3, 4});
  // NaN and zero are not > 0: no gradient passes (as PyTorch's threshold_backward).
  expect_values(relu_backward(g, from_vector<float>({NAN, 0.0f, -1, 5})), {4}, {0, 0, 0, 4}, 0);
  EXPECT_EQ(relu_backward(from_vector<int64_t>({3, 4}), from_vector<int64_t>({-1, 1})).dtype(), DType::i64);
  EXPECT_EQ(sigmoid_backward(from_vector<int32_t>({1}), from_vector<int32_t>({0})).dtype(), DType::f32);
  // Far tails of the tanh GELU: the derivative goes to 0 and 1 without NaN or inf.
  const Tensor tails = gelu_backward(ones({4}), from_vector<float>({-1e4f, -60, 60, 1e4f}), GeluApproximation::tanh);
  expect_values(tails, {4}, {0, 0, 1, 1}, 0, 1e-30);
  const Tensor fwd = gelu(from_vector<float>({-1e4f, -60, 60, 1e4f, NAN}), GeluApproximation::tanh);
  expect_values(fwd, {5}, {0, 0, 60, 1e4, NAN}, 0, 1e-30);
}

// The accuracy bound of Note [Tanh GELU through exp]: the f32 error, in units of the float
// epsilon times the size of the result's terms, divided by 1 + |2u| (the amplification of u's own
// rounding through e^{-2u}, which the exact function has too) stays below 4 on [-10, 10].
TEST(GeluTanh, F32WithinBoundOfFloat64FormulaOnDenseGrid) {
  std::vector<float> xs;
  for (int i = -100000; i <= 100000; ++i) xs.push_back(static_cast<float>(i) * 1e-4f);
  const Tensor x = from_vector<float>(xs);
  const std::vector<double> fwd = values(gelu(x, GeluApproximation::tanh));
  const std::vector<double> grad = values(gelu_backward(ones_like(x), x, GeluApproximation::tanh));
  const double eps = std::numeric_limits<float>::epsilon(), tiny = std::numeric_limits<float>::min();
  double worst_fwd = 0, worst_grad = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double v = xs[i], u = kK * (v + kC * v * v * v);
    const double e = std::exp(-2 * u), s = 1 / (1 + e);
    const double slope_term = std::abs(2 * v * s * (e * s) * kK * (1 + 3 * kC * v * v));
    const double amplification = 1 + std::abs(2 * u);
    worst_fwd = std::max(worst_fwd, std::abs(fwd[i] - ref_gelu_tanh(v)) /
                                        (eps * std::max(std::abs(v * s), tiny) * amplification));
    worst_grad = std::max(worst_grad, std::abs(grad[i] - ref_gelu_tanh_grad(v)) /
                                          (eps * std::max(s + slope_term, tiny) * amplification));
  }
  EXPECT_LE(worst_fwd, 4.0);
  EXPECT_LE(worst_grad, 4.0);
}

// Near the origin, where nothing amplifies, plain relative error: a few ulp.
TEST(GeluTanh, F32WithinFewUlpNearOrigin) {
  std::vector<float> xs;
  for (int i = -20000; i <= 20000; ++i) xs.push_back(static_cast<float>(i) * 1e-4f);  // [-2, 2]
  const std::vector<double> fwd = values(gelu(from_vector<float>(xs), GeluApproximation::tanh));
  for (size_t i = 0; i < xs.size(); ++i) {
    const double ref = ref_gelu_tanh(xs[i]);
    EXPECT_LE(std::abs(fwd[i] - ref), 8 * std::numeric_limits<float>::epsilon() * std::abs(ref)) << "x " << xs[i];
  }
}

}  // namespace
}  // namespace nimbus
