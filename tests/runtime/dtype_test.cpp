// DType properties, type promotion (Note [Type promotion]) and 16-bit float conversions.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "runtime/dtype.h"
#include "runtime/error.h"

namespace nimbus {
namespace {

TEST(DType, SizesAndNames) {
  EXPECT_EQ(dtype_size(DType::f32), 4u);
  EXPECT_EQ(dtype_size(DType::f64), 8u);
  EXPECT_EQ(dtype_size(DType::f16), 2u);
  EXPECT_EQ(dtype_size(DType::bf16), 2u);
  EXPECT_EQ(dtype_size(DType::i64), 8u);
  EXPECT_EQ(dtype_size(DType::boolean), 1u);
  EXPECT_EQ(dtype_name(DType::bf16), "bf16");
  EXPECT_EQ(parse_dtype("float32"), DType::f32);
  EXPECT_EQ(parse_dtype("bool"), DType::boolean);
  EXPECT_THROW(parse_dtype("complex64"), ParseError);
}

TEST(DType, PromotionFollowsPyTorchTable) {
  EXPECT_EQ(promote_types(DType::boolean, DType::u8), DType::u8);
  EXPECT_EQ(promote_types(DType::u8, DType::i32), DType::i32);
  EXPECT_EQ(promote_types(DType::i32, DType::i64), DType::i64);
  EXPECT_EQ(promote_types(DType::i64, DType::f16), DType::f16);
  EXPECT_EQ(promote_types(DType::f16, DType::bf16), DType::f32);
  EXPECT_EQ(promote_types(DType::bf16, DType::f32), DType::f32);
  EXPECT_EQ(promote_types(DType::f32, DType::f64), DType::f64);
  EXPECT_EQ(promote_types(DType::boolean, DType::boolean), DType::boolean);
  // Symmetric for every pair.
  for (int a = 0; a < kNumDTypes; ++a)
    for (int b = 0; b < kNumDTypes; ++b)
      EXPECT_EQ(promote_types(DType(a), DType(b)), promote_types(DType(b), DType(a)));
}

TEST(DType, ScalarPromotionOnlyCrossesCategories) {
  EXPECT_EQ(promote_with_scalar(DType::i32, /*floating=*/true), DType::f32);
  EXPECT_EQ(promote_with_scalar(DType::f16, true), DType::f16);
  EXPECT_EQ(promote_with_scalar(DType::u8, false), DType::u8);
  EXPECT_EQ(promote_with_scalar(DType::boolean, false), DType::i64);
  EXPECT_EQ(promote_with_scalar(DType::f64, false), DType::f64);
}

TEST(Half, AllBitPatternsRoundTrip) {
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    const float f = half_bits_to_float(static_cast<uint16_t>(bits));
    const uint16_t back = float_to_half_bits(f);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(half_bits_to_float(back))) << bits;
      EXPECT_EQ(back & 0x8000u, bits & 0x8000u) << "sign of NaN " << bits;
    } else {
      EXPECT_EQ(back, bits) << "bit pattern " << bits;
    }
  }
}

TEST(BFloat16, AllBitPatternsRoundTrip) {
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    const float f = bfloat16_bits_to_float(static_cast<uint16_t>(bits));
    const uint16_t back = float_to_bfloat16_bits(f);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(bfloat16_bits_to_float(back))) << bits;
    } else {
      EXPECT_EQ(back, bits) << "bit pattern " << bits;
    }
  }
}

TEST(Half, KnownValues) {
  EXPECT_EQ(float_to_half_bits(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half_bits(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half_bits(65504.0f), 0x7bff);                   // largest finite
  EXPECT_EQ(float_to_half_bits(65520.0f), 0x7c00);                   // rounds up to infinity
  EXPECT_EQ(float_to_half_bits(65519.0f), 0x7bff);
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -24)), 0x0001);      // smallest subnormal
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -25)), 0x0000);      // tie to even: zero
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(float_to_half_bits(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(float_to_half_bits(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie to even (down)
  EXPECT_EQ(float_to_half_bits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie to even (up)
  EXPECT_TRUE(std::isnan(half_bits_to_float(float_to_half_bits(std::nanf("")))));
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(float_to_bfloat16_bits(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between bfloat16 1.0 and 1.0078125: ties go to the even mantissa (1.0).
  EXPECT_EQ(float_to_bfloat16_bits(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(float_to_bfloat16_bits(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_EQ(float_to_bfloat16_bits(std::numeric_limits<float>::max()), 0x7f80);  // overflow
}

}  // namespace
}  // namespace nimbus
