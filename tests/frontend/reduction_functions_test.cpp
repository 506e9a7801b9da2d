// Reductions and scans on the tape: float64 finite differences over dims (negative ones, keepdim,
// all dims, 0-d inputs), the gradients PyTorch picks where there is no derivative (ties, zero
// norms, zero deviations) by hand values, and the errors for bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <string>

#include "frontend/autograd/reduction_functions.h"
#include "error_checks.h"
#include "gradcheck.h"

namespace nimbus {
namespace {

using autograd::Variable;
using testing::error_message;
using testing::expect_gradients_match;
using testing::expect_mentions;
using testing::randn_f64;

// The reduced-dims cases every reduction is checked over.
struct DimsCase {
  std::vector<int64_t> dims;
  bool keepdim;
};
const std::vector<DimsCase> kDimsCases = {{{1}, false}, {{-1}, true}, {{0, 2}, false},
                                          {{-3, 1}, true}, {{}, false}, {{}, true}};

using ReduceFn = std::function<Variable(const Variable&, const std::vector<int64_t>&, bool)>;

// Checks `reduce(x, dims, keepdim)` against finite differences for every case on an input of
// `shape` (3-d), and on a 0-d input unless the reduction is undefined for one element.
void check_over_dims(const ReduceFn& reduce, const Shape& shape = {3, 4, 2}, bool with_scalar = true) {
  for (const DimsCase& c : kDimsCases) {
    SCOPED_TRACE("dims of size " + std::to_string(c.dims.size()) + (c.keepdim ? ", keepdim" : ""));
    expect_gradients_match([&](const auto& v) { return reduce(v[0], c.dims, c.keepdim); }, {randn_f64(shape, 1)});
  }
  if (with_scalar) expect_gradients_match([&](const auto& v) { return reduce(v[0], {}, false); }, {randn_f64({}, 2)});
}

// x's gradient from backward through sum(f(x)), for hand-computed values.
std::vector<double> gradient_of(const std::function<Variable(const Variable&)>& f, const Tensor& x) {
  Variable v(x, /*requires_grad=*/true);
  autograd::sum(f(v)).backward();
  return v.grad().to_vector<double>();
}


void expect_all_near(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-12) << "element " << i;
}

TEST(ReductionFunctions, AmaxAndAminGradients) {
  check_over_dims([](const Variable& x, const auto& dims, bool keepdim) { return autograd::amax(x, dims, keepdim); });
  check_over_dims([](const Variable& x, const auto& dims, bool keepdim) { return autograd::amin(x, dims, keepdim); });
}

TEST(ReductionFunctions, TiedExtremesShareTheGradientEvenly) {
  const Tensor x = from_vector<double>({1, 3, 3, 2, 2, 2}, {2, 3});
  const double third = 1.0 / 3;
  expect_all_near(gradient_of([](const Variable& v) { return autograd::amax(v, {1}); }, x),
                  {0, 0.5, 0.5, third, third, third});
  expect_all_near(gradient_of([](const Variable& v) { return autograd::amin(v, {-1}, true); }, x),
                  {1, 0, 0, third, third, third});
  // Over all dims the two 3s tie; over dim 0 every column has a single largest value.
  expect_all_near(gradient_of([](const Variable& v) { return autograd::amax(v); }, x), {0, 0.5, 0.5, 0, 0, 0});
  expect_all_near(gradient_of([](const Variable& v) { return autograd::amax(v, {0}); }, x), {0, 1, 1, 1, 0, 0});
  expect_all_near(gradient_of([](const Variable& v) { return autograd::amin(v); }, x), {1, 0, 0, 0, 0, 0});
}

TEST(ReductionFunctions, VarAndStdGradients) {
  // Every reduction here covers more elements than the correction (a 0-d input only without one).
  for (int64_t correction : {0, 1, 2}) {
    SCOPED_TRACE("correction " + std::to_string(correction));
    check_over_dims([correction](const Variable& x, const auto& dims,
                                 bool keepdim) { return autograd::var(x, dims, correction, keepdim); },
                    {3, 4, 5}, correction == 0);
    check_over_dims([correction](const Variable& x, const auto& dims,
                                 bool keepdim) { return autograd::std(x, dims, correction, keepdim); },
                    {3, 4, 5}, /*with_scalar=*/false);
  }
}

TEST(ReductionFunctions, StdIsZeroGradientWhereAllValuesAreEqual) {
  // Row 0 is constant (std 0, no derivative: PyTorch takes 0); row 1 has std 1 and gradient
  // (x - mean) / ((N - 1) std) = [-1, 0, 1] / 2.
  const Tensor x = from_vector<double>({5, 5, 5, 1, 2, 3}, {2, 3});
  expect_all_near(gradient_of([](const Variable& v) { return autograd::std(v, {1}); }, x), {0, 0, 0, -0.5, 0, 0.5});
  // Too few elements for the correction: N - correction = 0 makes var's scale infinite, as PyTorch.
  const std::vector<double> g =
      gradient_of([](const Variable& v) { return autograd::var(v, {1}, 2); }, from_vector<double>({1, 2}, {1, 2}));
  EXPECT_EQ(g[0], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(g[1], std::numeric_limits<double>::infinity());
}

TEST(ReductionFunctions, NormGradientsForEveryP) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double p : {2.0, 1.0, inf, -inf, 3.0, 1.5, 0.5, -1.0}) {
    SCOPED_TRACE("p = " + std::to_string(p));
    check_over_dims([p](const Variable& x, const auto& dims, bool keepdim) { return autograd::norm(x, p, dims, keepdim); });
  }
}

TEST(ReductionFunctions, NormGradientAtZeroAndAtTies) {
  const double inf = std::numeric_limits<double>::infinity();
  // A zero row: no derivative, gradient 0 (PyTorch), for p = 2 and a general p.
  const Tensor x = from_vector<double>({0, 0, 3, -4}, {2, 2});
  expect_all_near(gradient_of([](const Variable& v) { return autograd::norm(v, 2.0, {1}); }, x), {0, 0, 0.6, -0.8});
  const double cube_scale = std::pow(91.0, 2.0 / 3.0);  // ||(3, -4)||_3^2
  expect_all_near(gradient_of([](const Variable& v) { return autograd::norm(v, 3.0, {1}); }, x),
                  {0, 0, 9 / cube_scale, -16 / cube_scale});
  // p = 1: the sign, 0 at 0.
  expect_all_near(gradient_of([](const Variable& v) { return autograd::norm(v, 1.0, {1}); }, x), {0, 0, 1, -1});
  // p = inf: |-4| and |4| tie and share the gradient, each with its sign.
  const Tensor tied = from_vector<double>({-4, 4, 1}, {3});
  expect_all_near(gradient_of([&](const Variable& v) { return autograd::norm(v, inf); }, tied), {-0.5, 0.5, 0});
  expect_all_near(gradient_of([&](const Variable& v) { return autograd::norm(v, -inf); }, tied), {0, 0, 1});
  // p = 0 counts non-zeros: gradient 0 everywhere.
  expect_all_near(gradient_of([&](const Variable& v) { return autograd::norm(v, 0.0); }, tied), {0, 0, 0});
}

TEST(ReductionFunctions, CumsumGradients) {
  const Tensor x = randn_f64({3, 4, 2}, 5);
  for (int64_t dim : {0, 1, 2, -1, -3})
    expect_gradients_match([dim](const auto& v) { return autograd::cumsum(v[0], dim); }, {x});
  expect_gradients_match([](const auto& v) { return autograd::cumsum(v[0], 0); }, {randn_f64({}, 6)});
  // Input i reaches outputs i..n-1: the gradient is the running sum from the end.
  expect_all_near(gradient_of([](const Variable& v) { return autograd::cumsum(v, 0); }, from_vector<double>({1, 2, 3})),
                  {3, 2, 1});
  expect_all_near(gradient_of([](const Variable& v) { return autograd::cumsum(v, -1); }, randn_f64({2, 3}, 7)),
                  {3, 2, 1, 3, 2, 1});
}

TEST(ReductionFunctions, GradientsKeepTheInputDtypeAndNoGradRecordsNothing) {
  Variable x(from_vector<float>({1, 5, 2, 4}, {2, 2}), true);
  autograd::sum(autograd::add(autograd::amax(x, {1}), autograd::std(x, {0}))).backward();
  EXPECT_EQ(x.grad().dtype(), DType::f32);
  autograd::NoGradGuard no_grad;
  for (const Variable& y : {autograd::amax(x), autograd::amin(x), autograd::var(x), autograd::std(x), autograd::norm(x),
                            autograd::cumsum(x, 0)})
    EXPECT_TRUE(y.is_leaf() && !y.requires_grad());
}

TEST(ReductionFunctions, AnInPlaceChangeOfTheInputAfterwardsIsAnError) {
  Variable x(randn_f64({2, 3}, 8), true);
  const Variable y = autograd::sum(autograd::var(x, {1}));
  x.data().fill_(0);
  expect_mentions(error_message([&] { y.backward(); }), {"var", "modified in place"});
}

TEST(ReductionFunctions, BadInputNamesTheOpAndTheShape) {
  const Variable x(randn_f64({2, 3}, 9), true);
  expect_mentions(error_message([&] { autograd::amax(x, {2}); }), {"amax", "dim 2", "[2, 3]"});
  expect_mentions(error_message([&] { autograd::var(x, {-3}); }), {"var", "dim -3", "[2, 3]"});
  expect_mentions(error_message([&] { autograd::norm(x, 2.0, {0, 5}); }), {"norm", "[2, 3]"});
  expect_mentions(error_message([&] { autograd::cumsum(x, 2); }), {"cumsum", "[2, 3]"});
  const Variable empty(zeros({2, 0}, DType::f64), true);
  expect_mentions(error_message([&] { autograd::amin(empty, {1}); }), {"amin", "size 0", "[2, 0]"});
  const Variable integers(from_vector<int64_t>({1, 2, 3}));
  expect_mentions(error_message([&] { autograd::std(integers); }), {"std", "i64", "[3]"});
  expect_mentions(error_message([&] { autograd::var(x, {}, -1); }), {"var", "correction"});
}

}  // namespace
}  // namespace nimbus
