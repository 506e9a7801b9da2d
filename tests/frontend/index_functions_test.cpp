// scatter_add and masked_select on the tape: float64 finite differences (repeated indices, index
// smaller than src, negative dims, broadcast masks), hand values, and the errors for bad input.
#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>

#include "frontend/autograd/index_functions.h"
#include "error_checks.h"
#include "gradcheck.h"

namespace nimbus {
namespace {

using autograd::Variable;
using testing::error_message;
using testing::expect_gradients_match;
using testing::expect_mentions;
using testing::randn_f64;


Tensor bool_mask(const std::vector<bool>& values, const Shape& shape) { return from_vector<bool>(values, shape); }

TEST(IndexFunctions, ScatterAddGradients) {
  // Along dim 0 with repeated target rows (several src elements add into one place).
  const Tensor rows = from_vector<int64_t>({2, 0, 2, 1, 2, 2, 0, 0}, {2, 4});
  expect_gradients_match([&](const auto& v) { return autograd::scatter_add(v[0], 0, rows, v[1]); },
                         {randn_f64({3, 4}, 1), randn_f64({2, 4}, 2)});
  // Along the last dim, written as -1, with src larger than index: only its covered part takes part.
  const Tensor cols = from_vector<int64_t>({3, 3, 0, 1, 1, 2}, {3, 2});
  expect_gradients_match([&](const auto& v) { return autograd::scatter_add(v[0], -1, cols, v[1]); },
                         {randn_f64({3, 4}, 3), randn_f64({4, 3}, 4)});
  // Three dims, scattering into the middle one.
  const Tensor mid = from_vector<int64_t>({0, 2, 2, 1, 0, 0, 1, 1}, {2, 2, 2});
  expect_gradients_match([&](const auto& v) { return autograd::scatter_add(v[0], 1, mid, v[1]); },
                         {randn_f64({2, 3, 2}, 5), randn_f64({2, 2, 2}, 6)});
}

TEST(IndexFunctions, ScatterAddGivesXTheGradientAndSrcItsGatherZeroBeyondTheIndex) {
  Variable x(zeros({3}, DType::f64), true);
  Variable src(from_vector<double>({1, 1, 1, 1}), true);
  const Tensor index = from_vector<int64_t>({2, 0, 2});  // src element 3 is not covered
  const Variable y = autograd::scatter_add(x, 0, index, src);
  EXPECT_EQ(y.data().to_vector<double>(), (std::vector<double>{1, 0, 2}));
  y.backward(from_vector<double>({10, 20, 30}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{10, 20, 30}));
  EXPECT_EQ(src.grad().to_vector<double>(), (std::vector<double>{30, 10, 30, 0}));
}

TEST(IndexFunctions, OnlyTheInputsThatNeedAGradientGetOne) {
  Variable x(randn_f64({3}, 7));  // a constant
  Variable src(randn_f64({2}, 8), true);
  autograd::sum(autograd::scatter_add(x, 0, from_vector<int64_t>({1, 1}), src)).backward();
  EXPECT_FALSE(x.grad().defined());
  EXPECT_EQ(src.grad().to_vector<double>(), (std::vector<double>{1, 1}));
}

TEST(IndexFunctions, MaskedSelectGradients) {
  const Tensor mask = bool_mask({true, false, true, true, false, false, true, false, true, true, false, true}, {3, 4});
  expect_gradients_match([&](const auto& v) { return autograd::masked_select(v[0], mask); }, {randn_f64({3, 4}, 9)});
  // The mask broadcasts over x's rows, and x over the mask's rows (its gradient sums over them).
  const Tensor row_mask = bool_mask({false, true, true, false}, {4});
  expect_gradients_match([&](const auto& v) { return autograd::masked_select(v[0], row_mask); }, {randn_f64({3, 4}, 10)});
  expect_gradients_match([&](const auto& v) { return autograd::masked_select(v[0], mask); }, {randn_f64({4}, 11)});
  expect_gradients_match([&](const auto& v) { return autograd::masked_select(v[0], mask); }, {randn_f64({3, 1}, 12)});
}

TEST(IndexFunctions, MaskedSelectScattersTheGradientBackInOrder) {
  Variable x(randn_f64({2, 3}, 13), true);
  const Variable y = autograd::masked_select(x, bool_mask({false, true, true, true, false, false}, {2, 3}));
  y.backward(from_vector<double>({1, 2, 3}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 1, 2, 3, 0, 0}));
  // Broadcast x: element j of x was selected once per true mask row in column j.
  Variable row(randn_f64({3}, 14), true);
  autograd::masked_select(row, bool_mask({true, false, true, true, true, false}, {2, 3})).backward(
      from_vector<double>({1, 2, 3, 4}));
  EXPECT_EQ(row.grad().to_vector<double>(), (std::vector<double>{1 + 3, 4, 2}));
  // Nothing selected: a zero gradient of x's shape.
  Variable none(randn_f64({2, 2}, 15), true);
  autograd::masked_select(none, bool_mask({false, false, false, false}, {2, 2})).backward(zeros({0}, DType::f64));
  EXPECT_EQ(none.grad().to_vector<double>(), (std::vector<double>{0, 0, 0, 0}));
}

TEST(IndexFunctions, ChangingTheMaskAfterTheForwardDoesNotMoveTheGradient) {
  Variable x(randn_f64({3}, 16), true);
  const Tensor mask = bool_mask({true, false, true}, {3});
  const Variable y = autograd::masked_select(x, mask);
  mask.fill_(false);
  y.backward(from_vector<double>({5, 7}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{5, 0, 7}));
}

TEST(IndexFunctions, AnInPlaceChangeOfTheIndexAfterwardsIsAnError) {
  Variable src(randn_f64({2}, 17), true);
  const Tensor index = from_vector<int64_t>({0, 1});
  const Variable y = autograd::sum(autograd::scatter_add(Variable(zeros({2}, DType::f64)), 0, index, src));
  index.fill_(1);
  expect_mentions(error_message([&] { y.backward(); }), {"scatter_add", "modified in place"});
}

TEST(IndexFunctions, NoGradRecordsNothing) {
  Variable x(randn_f64({2, 2}, 18), true);
  autograd::NoGradGuard no_grad;
  EXPECT_TRUE(autograd::masked_select(x, bool_mask({true, false, false, true}, {2, 2})).is_leaf());
  EXPECT_TRUE(autograd::scatter_add(x, 0, from_vector<int64_t>({1, 0}, {1, 2}), x).is_leaf());
}

TEST(IndexFunctions, BadInputNamesTheOpAndTheShapes) {
  const Variable x(randn_f64({2, 3}, 19), true);
  const Variable src(randn_f64({2, 3}, 20), true);
  const Tensor index = from_vector<int64_t>({0, 1, 0, 1, 0, 1}, {2, 3});
  expect_mentions(error_message([&] { autograd::scatter_add(x, 2, index, src); }), {"scatter_add", "dim 2", "[2, 3]"});
  expect_mentions(error_message([&] { autograd::scatter_add(x, 0, from_vector<int64_t>({0, 1}), src); }),
                  {"scatter_add", "[2, 3]", "[2]"});
  expect_mentions(error_message([&] { autograd::scatter_add(x, 1, index, Variable(randn_f64({2, 2}, 21))); }),
                  {"scatter_add", "[2, 3]", "[2, 2]"});
  expect_mentions(error_message([&] { autograd::scatter_add(x, 0, from_vector<int64_t>({0, 5, 0, 1, 0, 1}, {2, 3}), src); }),
                  {"scatter_add", "index 5", "size 2"});
  expect_mentions(error_message([&] { autograd::scatter_add(x, 0, index.to(DType::f32), src); }), {"scatter_add", "index"});
  expect_mentions(error_message([&] { autograd::masked_select(x, bool_mask({true, false}, {2})); }),
                  {"masked_select", "[2, 3]", "[2]"});
  expect_mentions(error_message([&] { autograd::masked_select(x, index); }), {"masked_select", "bool"});
}

}  // namespace
}  // namespace nimbus
