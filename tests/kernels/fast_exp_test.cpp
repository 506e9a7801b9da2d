// The vectorizable float exp of the row ops (Note [Row exp]) against the library's double exp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/functors/fast_exp.h"

namespace nimbus {
namespace {

TEST(FastExp, WithinTwoUlpAcrossTheNormalRange) {
  double worst = 0;
  float worst_at = 0;
  for (float x = -87.3f; x < 88.72f; x += 0.000731f) {
    const float got = functors::exp_fast(x);
    const float want = static_cast<float>(std::exp(static_cast<double>(x)));
    const double ulp = std::nextafter(want, std::numeric_limits<float>::infinity()) - want;
    const double error = std::abs(static_cast<double>(got) - want) / ulp;
    if (error > worst) {
      worst = error;
      worst_at = x;
    }
  }
  EXPECT_LE(worst, 2.0) << "at x = " << worst_at;
}

TEST(FastExp, EdgesAndSpecialValues) {
  EXPECT_EQ(functors::exp_fast(0.0f), 1.0f);
  EXPECT_EQ(functors::exp_fast(-100.0f), 0.0f);
  EXPECT_EQ(functors::exp_fast(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_EQ(functors::exp_fast(100.0f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(functors::exp_fast(std::numeric_limits<float>::infinity()), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(functors::exp_fast(std::nanf(""))));
  EXPECT_TRUE(std::isfinite(functors::exp_fast(88.72f)));
  EXPECT_GT(functors::exp_fast(-87.3f), 0.0f);
}

}  // namespace
}  // namespace nimbus
