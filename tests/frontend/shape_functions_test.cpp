// Views, joins and indexing on the tape, against float64 finite differences.
#include <gtest/gtest.h>

#include "frontend/autograd/shape_functions.h"
#include "gradcheck.h"

namespace nimbus {
namespace {

using autograd::Variable;
using testing::expect_gradients_match;
using testing::randn_f64;

TEST(ShapeAutograd, ViewsScatterTheirGradientBack) {
  const std::vector<Tensor> x = {randn_f64({3, 4, 2}, 1)};
  expect_gradients_match([](const auto& v) { return autograd::slice(v[0], 1, 1, 4, 2); }, x);
  expect_gradients_match([](const auto& v) { return autograd::narrow(v[0], 0, 1, 2); }, x);
  expect_gradients_match([](const auto& v) { return autograd::select(v[0], -1, 1); }, x);
  expect_gradients_match([](const auto& v) { return autograd::permute(v[0], {2, 0, 1}); }, x);
  expect_gradients_match([](const auto& v) { return autograd::squeeze(autograd::unsqueeze(v[0], 1), 1); }, x);
  expect_gradients_match([](const auto& v) { return autograd::expand(v[0], {5, 3, 4, 2}); }, x);
  expect_gradients_match([](const auto& v) { return autograd::expand(v[0], {3, 4, 2}); }, {randn_f64({3, 1, 2}, 2)});
}

TEST(ShapeAutograd, JoinsSplitTheirGradient) {
  expect_gradients_match([](const auto& v) { return autograd::cat({v[0], v[1], v[0]}, 1); },
                         {randn_f64({2, 3}, 3), randn_f64({2, 1}, 4)});
  expect_gradients_match([](const auto& v) { return autograd::stack({v[0], v[1]}, -1); }, {randn_f64({2, 3}, 5), randn_f64({2, 3}, 6)});
}

TEST(ShapeAutograd, IndexingAddsGradientsAtTheIndices) {
  const Tensor idx = from_vector<int64_t>({2, 0, 2, 2});
  expect_gradients_match([&](const auto& v) { return autograd::index_select(v[0], 0, idx); }, {randn_f64({3, 2}, 7)});
  expect_gradients_match([&](const auto& v) { return autograd::index_select(v[0], 1, idx); }, {randn_f64({2, 3}, 8)});
  const Tensor gidx = from_vector<int64_t>({0, 1, 1, 1, 0, 0}, {2, 3});
  expect_gradients_match([&](const auto& v) { return autograd::gather(v[0], 0, gidx); }, {randn_f64({2, 3}, 9)});
  // Repeated indices accumulate: row 2 was picked three times.
  Variable x(randn_f64({3, 2}, 10), true);
  autograd::sum(autograd::index_select(x, 0, idx)).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 1, 0, 0, 3, 3}));
}

}  // namespace
}  // namespace nimbus
