// Arithmetic, comparison and logic operators over small tables with NULLs, by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "expr_test_util.h"

namespace nimbus::analytics {
namespace {

using namespace expr;
using namespace testing;

TEST(ExprArithmetic, IntegersWithNulls) {
  const Table t({"a", "b"}, {int32s({7, -7, std::nullopt, 5}), int64s({2, 2, 1, std::nullopt})});
  EXPECT_EQ(eval_texts(add(col("a"), col("b")), t), (Texts{"9", "-5", "null", "null"}));
  EXPECT_EQ(eval_texts(sub(col("a"), col("b")), t), (Texts{"5", "-9", "null", "null"}));
  EXPECT_EQ(eval_texts(mul(col("a"), col("b")), t), (Texts{"14", "-14", "null", "null"}));
  EXPECT_EQ(eval_texts(div(col("a"), col("b")), t), (Texts{"3.5", "-3.5", "null", "null"}));
  // % keeps the sign of the dividend, as in C, DuckDB and PostgreSQL.
  EXPECT_EQ(eval_texts(mod(col("a"), col("b")), t), (Texts{"1", "-1", "null", "null"}));
  EXPECT_EQ(eval_texts(neg(col("a")), t), (Texts{"-7", "7", "null", "-5"}));
  EXPECT_EQ(eval_texts(add(col("a"), null_literal()), t), (Texts{"null", "null", "null", "null"}));
}

TEST(ExprArithmetic, IntegerDivisionByZeroIsNull) {
  // Note [Division by zero]: integer / and % by zero give NULL.
  const Table t({"a", "b"}, {int32s({1, 0, -4, std::numeric_limits<int32_t>::min()}), int32s({0, 0, 0, -1})});
  EXPECT_EQ(eval_texts(div(col("a"), col("b")), t), (Texts{"null", "null", "null", "2147483648"}));
  EXPECT_EQ(eval_texts(mod(col("a"), col("b")), t), (Texts{"null", "null", "null", "0"}));
}

TEST(ExprArithmetic, FloatsFollowIeee) {
  const Table t({"x", "y"}, {float64s({1.0, -1.0, 0.0, 5.5, std::nullopt}), float64s({0.0, 0.0, 0.0, 2.0, 1.0})});
  const Column quotient = evaluate(div(col("x"), col("y")), t);
  EXPECT_EQ(quotient.value_text(0), "inf");
  EXPECT_EQ(quotient.value_text(1), "-inf");
  EXPECT_TRUE(std::isnan(quotient.value<double>(2)));  // 0 / 0 (the sign of a NaN means nothing)
  EXPECT_EQ(quotient.value_text(3), "2.75");
  EXPECT_TRUE(quotient.is_null(4));
  const Column remainder = evaluate(mod(col("x"), col("y")), t);
  EXPECT_EQ(remainder.value_text(3), "1.5");
  EXPECT_TRUE(std::isnan(remainder.value<double>(0)));
  const Table f({"x"}, {float32s({0.5f, 1.25f})});
  const Column half = evaluate(mul(col("x"), col("x")), f);
  EXPECT_EQ(half.type(), DataType::float32);
  EXPECT_EQ(texts(half), (Texts{"0.25", "1.5625"}));
}

TEST(ExprArithmetic, MixedIntAndFloat) {
  const Table t({"i", "f"}, {int64s({3, std::nullopt}), float32s({0.5f, 1.0f})});
  const Column c = evaluate(add(col("i"), col("f")), t);
  EXPECT_EQ(c.type(), DataType::float64);
  EXPECT_EQ(texts(c), (Texts{"3.5", "null"}));
}

TEST(ExprArithmetic, IntegerOverflowIsAnErrorNamingValuesRowAndExpression) {
  const Table t({"a"}, {int32s({1, std::numeric_limits<int32_t>::max()})});
  const std::string message = error_of([&] { evaluate(add(col("a"), lit(1)), t); });
  EXPECT_EQ(message, "integer overflow: 2147483647 + 1 does not fit in int32 at row 1 in '(a + 1)'");
  EXPECT_THROW(evaluate(add(col("a"), lit(1)), t), DTypeError);
  // Widening first avoids it, as in SQL.
  EXPECT_EQ(eval_texts(add(col("a"), lit(int64_t{1})), t), (Texts{"2", "2147483648"}));
  const Table m({"a"}, {int64s({std::numeric_limits<int64_t>::min()})});
  EXPECT_NE(error_of([&] { evaluate(neg(col("a")), m); }).find("integer overflow: -(-9223372036854775808)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { evaluate(mul(col("a"), lit(2)), m); }).find("does not fit in int64"), std::string::npos);
}

TEST(ExprArithmetic, OverflowUnderANullIsNotAnError) {
  // Row 0's inner sum is NULL; the outer + still adds the slot under it to INT_MAX, which would
  // overflow, and must not raise an error because the row is NULL anyway.
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  const Table t({"a", "b"}, {int32s({kMax, 0}), int32s({std::nullopt, 1})});
  EXPECT_EQ(eval_texts(add(col("a"), add(col("b"), lit(kMax - 1))), t), (Texts{"null", "2147483647"}));
}

TEST(ExprCompare, NumbersAcrossTypes) {
  const Table t({"i", "f"}, {int32s({1, 2, 3, std::nullopt}), float64s({1.5, 2.0, 2.5, 0.0})});
  EXPECT_EQ(eval_texts(lt(col("i"), col("f")), t), (Texts{"true", "false", "false", "null"}));
  EXPECT_EQ(eval_texts(le(col("i"), col("f")), t), (Texts{"true", "true", "false", "null"}));
  EXPECT_EQ(eval_texts(eq(col("i"), col("f")), t), (Texts{"false", "true", "false", "null"}));
  EXPECT_EQ(eval_texts(ne(col("i"), col("f")), t), (Texts{"true", "false", "true", "null"}));
  EXPECT_EQ(eval_texts(gt(col("i"), col("f")), t), (Texts{"false", "false", "true", "null"}));
  EXPECT_EQ(eval_texts(ge(col("i"), col("f")), t), (Texts{"false", "true", "true", "null"}));
}

TEST(ExprCompare, NanEqualsItselfAndSortsAboveEverything) {
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  const Table t({"x", "y"}, {float64s({nan, nan, inf, -0.0}), float64s({nan, inf, nan, 0.0})});
  EXPECT_EQ(eval_texts(eq(col("x"), col("y")), t), (Texts{"true", "false", "false", "true"}));
  EXPECT_EQ(eval_texts(gt(col("x"), col("y")), t), (Texts{"false", "true", "false", "false"}));
  EXPECT_EQ(eval_texts(lt(col("x"), col("y")), t), (Texts{"false", "false", "true", "false"}));
}

TEST(ExprCompare, StringsBytewiseBoolsDatesTimestamps) {
  const Table t({"s", "b", "d", "ts"},
                {strings({"a", "B", "é", "", std::nullopt}), bools({false, true, true, false, true}),
                 dates({"1969-12-31", "1970-01-01", "2024-02-29", "1900-03-01", "2000-01-01"}),
                 timestamps({"1969-12-31 00:00:00", "1970-01-01 00:00:01", "2024-02-29 00:00:00",
                             "1900-03-01 00:00:00", std::nullopt})});
  // Bytewise: 'B' (0x42) < 'a' (0x61) < 'é' (0xC3 0xA9); '' is the smallest.
  EXPECT_EQ(eval_texts(lt(col("s"), lit("a")), t), (Texts{"false", "true", "false", "true", "null"}));
  EXPECT_EQ(eval_texts(gt(col("s"), lit("z")), t), (Texts{"false", "false", "true", "false", "null"}));
  EXPECT_EQ(eval_texts(lt(col("b"), lit(true)), t), (Texts{"true", "false", "false", "true", "false"}));
  EXPECT_EQ(eval_texts(lt(col("d"), date_lit("1970-01-01")), t), (Texts{"true", "false", "false", "true", "false"}));
  // A date compares with a timestamp as its midnight.
  EXPECT_EQ(eval_texts(eq(col("d"), col("ts")), t), (Texts{"true", "false", "true", "true", "null"}));
  EXPECT_EQ(eval_texts(lt(col("d"), col("ts")), t), (Texts{"false", "true", "false", "false", "null"}));
  EXPECT_EQ(eval_texts(ge(col("ts"), lit("2024-02-29")), t), (Texts{"false", "false", "true", "false", "null"}));
}

TEST(ExprLogic, ThreeValuedTruthTables) {
  // Every pair of (true, false, NULL).
  const Table t({"p", "q"}, {bools({true, true, true, false, false, false, std::nullopt, std::nullopt, std::nullopt}),
                             bools({true, false, std::nullopt, true, false, std::nullopt, true, false, std::nullopt})});
  EXPECT_EQ(eval_texts(and_(col("p"), col("q")), t),
            (Texts{"true", "false", "null", "false", "false", "false", "null", "false", "null"}));
  EXPECT_EQ(eval_texts(or_(col("p"), col("q")), t),
            (Texts{"true", "true", "true", "true", "false", "null", "true", "null", "null"}));
  EXPECT_EQ(eval_texts(not_(col("q")), t),
            (Texts{"false", "true", "null", "false", "true", "null", "false", "true", "null"}));
  EXPECT_EQ(eval_texts(is_null(col("q")), t),
            (Texts{"false", "false", "true", "false", "false", "true", "false", "false", "true"}));
  EXPECT_EQ(eval_texts(is_not_null(col("p")), t),
            (Texts{"true", "true", "true", "true", "true", "true", "false", "false", "false"}));
  EXPECT_EQ(eval_texts(and_(col("p"), null_literal()), t)[3], "false");
  EXPECT_EQ(eval_texts(or_(col("p"), null_literal()), t)[0], "true");
}

TEST(ExprLogic, IsNullNeverReturnsNullAndHasNoBitmap) {
  const Table t({"a"}, {int32s({1, std::nullopt})});
  const Column c = evaluate(is_null(col("a")), t);
  EXPECT_FALSE(c.validity().defined());
  EXPECT_EQ(texts(c), (Texts{"false", "true"}));
}

}  // namespace
}  // namespace nimbus::analytics
