// Factories and seeded random numbers (Philox-4x32-10 known-answer vectors from Random123).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "runtime/philox.h"
#include "runtime/random.h"
#include "runtime/tensor.h"

namespace nimbus {
namespace {

TEST(Philox, MatchesRandom123KnownAnswers) {
  const PhiloxBlock zero = philox4x32_10({{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(zero.v[0], 0x6627e8d5u);
  EXPECT_EQ(zero.v[1], 0xe169c58du);
  EXPECT_EQ(zero.v[2], 0xbc57ac4cu);
  EXPECT_EQ(zero.v[3], 0x9b00dbd8u);
  const PhiloxBlock ones = philox4x32_10({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu);
  EXPECT_EQ(ones.v[0], 0x408f276du);
  EXPECT_EQ(ones.v[1], 0x41c83b0eu);
  EXPECT_EQ(ones.v[2], 0xa20bc7c6u);
  EXPECT_EQ(ones.v[3], 0x6d5451fdu);
  const PhiloxBlock pi = philox4x32_10({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(pi.v[0], 0xd16cfe09u);
  EXPECT_EQ(pi.v[1], 0x94fdccebu);
  EXPECT_EQ(pi.v[2], 0x5001e420u);
  EXPECT_EQ(pi.v[3], 0x24126ea1u);
}

TEST(Random, SameSeedSameTensorsAndCallsAdvance) {
  Generator g1(42), g2(42);
  const auto a1 = rand({1000}, {}, g1).to_vector<float>(), a2 = rand({1000}, {}, g2).to_vector<float>();
  EXPECT_EQ(a1, a2);
  const auto b1 = rand({1000}, {}, g1).to_vector<float>();
  EXPECT_NE(a1, b1);
  EXPECT_EQ(g1.calls(), 2u);
  // Restoring the state replays the stream (what a checkpoint relies on).
  g2.set_state(42, 1);
  EXPECT_EQ(rand({1000}, {}, g2).to_vector<float>(), b1);
}

TEST(Random, UniformAndNormalStatistics) {
  Generator g(7);
  const auto u = rand({200000}, {}, g).to_vector<double>();
  double mean = std::accumulate(u.begin(), u.end(), 0.0) / u.size();
  EXPECT_NEAR(mean, 0.5, 0.005);
  for (double x : u) ASSERT_TRUE(x >= 0.0 && x < 1.0);
  const auto n = randn({200000}, DType::f64, g).to_vector<double>();
  mean = std::accumulate(n.begin(), n.end(), 0.0) / n.size();
  double var = 0;
  for (double x : n) var += (x - mean) * (x - mean);
  var /= n.size();
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(var, 1.0, 0.02);
  for (double x : n) ASSERT_TRUE(std::isfinite(x));
}

TEST(Random, RandintStaysInRangeAndCoversIt) {
  Generator g(3);
  const auto v = randint(-3, 4, {10000}, DType::i64, g).to_vector<int64_t>();
  std::vector<int> counts(7, 0);
  for (int64_t x : v) {
    ASSERT_GE(x, -3);
    ASSERT_LT(x, 4);
    ++counts[x + 3];
  }
  for (int c : counts) EXPECT_GT(c, 1200);
  EXPECT_THROW(randint(5, 5, {1}), ShapeError);
  EXPECT_THROW(rand({2}, DType::i32), DTypeError);
}

TEST(Factories, ConstantsRangesIdentity) {
  EXPECT_EQ(zeros({2, 2}).to_vector<float>(), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(ones({3}, DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(full({2}, 2.5, DType::f64).to_vector<double>(), (std::vector<double>{2.5, 2.5}));
  const Tensor r = arange(5);
  EXPECT_EQ(r.dtype(), DType::i64);
  EXPECT_EQ(r.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(10, 0, -3).to_vector<int64_t>(), (std::vector<int64_t>{10, 7, 4, 1}));
  EXPECT_EQ(arange(0.0, 1.0, 0.25).to_vector<float>(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));
  EXPECT_EQ(arange(0, 3, 1, DType::f32).dtype(), DType::f32);
  EXPECT_THROW(arange(0, 3, 0), ShapeError);
  const auto l = linspace(0, 1, 5).to_vector<double>();
  EXPECT_EQ(l, (std::vector<double>{0, 0.25, 0.5, 0.75, 1.0}));
  EXPECT_EQ(linspace(-1, 1, 7, DType::f64).to_vector<double>().back(), 1.0);
  EXPECT_EQ(eye(2, 3).to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0}));
  EXPECT_THROW(zeros({-1}), ShapeError);
}

TEST(Factories, EmptyStridedAndFromHost) {
  const Tensor t = empty_strided({2, 3}, {1, 2});
  EXPECT_EQ(t.strides(), (Shape{1, 2}));
  EXPECT_GE(t.buffer().nbytes(), 6 * sizeof(float));
  const int32_t raw[] = {4, 5, 6};
  EXPECT_EQ(from_host(raw, DType::i32, {3}).to_vector<int32_t>(), (std::vector<int32_t>{4, 5, 6}));
  EXPECT_EQ(from_vector<bool>({true, false}).dtype(), DType::boolean);
  EXPECT_EQ(from_vector<float>({1, 2}).shape(), (Shape{2}));
  EXPECT_EQ(from_vector<float>({7}, Shape{}).dim(), 0);
  EXPECT_THROW(from_vector<float>({1, 2, 3}, {2, 2}), ShapeError);
}

}  // namespace
}  // namespace nimbus
