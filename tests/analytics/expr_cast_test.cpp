// CAST (Note [Cast rules] in eval_cast.cpp): every family of pairs, edge cases and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "analytics/expr/cast_value.h"
#include "expr_test_util.h"

namespace nimbus::analytics {
namespace {

using namespace expr;
using namespace testing;

TEST(ExprCast, FloatToIntRoundsHalfToEven) {
  const Table t({"x"}, {float64s({2.5, 3.5, -2.5, 2.4999, -0.5, 1e9, std::nullopt})});
  EXPECT_EQ(eval_texts(cast(col("x"), DataType::int32), t), (Texts{"2", "4", "-2", "2", "0", "1000000000", "null"}));
  EXPECT_EQ(eval_texts(cast(col("x"), DataType::int64), t)[1], "4");
}

TEST(ExprCast, FloatToIntErrors) {
  const Table t({"x"}, {float64s({1.0, std::nan("")})});
  EXPECT_EQ(error_of([&] { evaluate(cast(col("x"), DataType::int32), t); }),
            "cannot cast nan to int32: NaN has no integer value at row 1 in 'CAST(x AS INTEGER)'");
  const Table big({"x"}, {float64s({2147483647.4, 2147483647.5, -2147483648.4})});
  EXPECT_EQ(error_of([&] { evaluate(cast(col("x"), DataType::int32), big); }),
            "cannot cast 2147483647.5 to int32: out of range at row 1 in 'CAST(x AS INTEGER)'");
  const Table inf({"x"}, {float32s({std::numeric_limits<float>::infinity()})});
  EXPECT_NE(error_of([&] { evaluate(cast(col("x"), DataType::int64), inf); }).find("cannot cast inf to int64"),
            std::string::npos);
  const Table edge({"x"}, {float64s({9223372036854775807.0})});  // 2^63: just out of range
  EXPECT_THROW(evaluate(cast(col("x"), DataType::int64), edge), DTypeError);
}

TEST(ExprCast, IntegerNarrowingAndFloatNarrowing) {
  const Table t({"a"}, {int64s({2147483647, -2147483648LL, 2147483648LL})});
  EXPECT_EQ(error_of([&] { evaluate(cast(col("a"), DataType::int32), t); }),
            "cannot cast 2147483648 to int32: out of range at row 2 in 'CAST(a AS INTEGER)'");
  EXPECT_EQ(eval_texts(cast(col("a"), DataType::int32), t.slice(0, 2)), (Texts{"2147483647", "-2147483648"}));
  EXPECT_EQ(eval_texts(cast(col("a"), DataType::float64), t), (Texts{"2147483647", "-2147483648", "2147483648"}));
  const Table f({"x"}, {float64s({1e300, 0.1, std::numeric_limits<double>::infinity()})});
  EXPECT_NE(error_of([&] { evaluate(cast(col("x"), DataType::float32), f); }).find("cannot cast 1e+300 to float32"),
            std::string::npos);
  EXPECT_EQ(eval_texts(cast(col("x"), DataType::float32), f.slice(1, 2)), (Texts{"0.1", "inf"}));
}

TEST(ExprCast, BoolsAndNumbers) {
  const Table t({"b", "i", "f"}, {bools({true, false, std::nullopt}), int32s({0, -3, 7}), float64s({0.0, 0.25, std::nan("")})});
  EXPECT_EQ(eval_texts(cast(col("b"), DataType::int64), t), (Texts{"1", "0", "null"}));
  EXPECT_EQ(eval_texts(cast(col("b"), DataType::float64), t), (Texts{"1", "0", "null"}));
  EXPECT_EQ(eval_texts(cast(col("i"), DataType::boolean), t), (Texts{"false", "true", "true"}));
  EXPECT_EQ(eval_texts(cast(col("f"), DataType::boolean), t), (Texts{"false", "true", "true"}));
}

TEST(ExprCast, StringsToNumbers) {
  const Table t({"s"}, {strings({"42", " -7 ", "+3", "1e3", "abc", "", "1.5", std::nullopt})});
  EXPECT_EQ(eval_texts(cast(col("s"), DataType::int32), t.slice(0, 3)), (Texts{"42", "-7", "3"}));
  EXPECT_EQ(error_of([&] { evaluate(cast(col("s"), DataType::int32), t); }),
            "could not convert string '1e3' to int32 at row 3 in 'CAST(s AS INTEGER)'");
  EXPECT_EQ(error_of([&] { evaluate(cast(col("s"), DataType::int64), t.slice(4, 4)); }),
            "could not convert string 'abc' to int64 at row 0 in 'CAST(s AS BIGINT)'");
  EXPECT_EQ(eval_texts(cast(col("s"), DataType::float64), t.slice(0, 4)), (Texts{"42", "-7", "3", "1000"}));
  EXPECT_NE(error_of([&] { evaluate(cast(col("s"), DataType::float64), t.slice(5, 1)); })
                .find("could not convert string '' to float64"),
            std::string::npos);
  const Table big({"s"}, {strings({"2147483648", "nan", "-inf"})});
  EXPECT_NE(error_of([&] { evaluate(cast(col("s"), DataType::int32), big); }).find("'2147483648' to int32"),
            std::string::npos);
  EXPECT_EQ(eval_texts(cast(col("s"), DataType::float32), big), (Texts{"2147483648", "nan", "-inf"}));
}

TEST(ExprCast, StringsToBoolsDatesTimestamps) {
  const Table t({"s"}, {strings({"true", "F", "yes", "0", "2024-02-29"})});
  EXPECT_EQ(eval_texts(cast(col("s"), DataType::boolean), t.slice(0, 4)), (Texts{"true", "false", "true", "false"}));
  EXPECT_NE(error_of([&] { evaluate(cast(col("s"), DataType::boolean), t); })
                .find("could not convert string '2024-02-29' to bool at row 4"),
            std::string::npos);
  const Table d({"s"}, {strings({"2024-02-29", "1900-01-01", "2023-02-29"})});
  EXPECT_EQ(eval_texts(cast(col("s"), DataType::date32), d.slice(0, 2)), (Texts{"2024-02-29", "1900-01-01"}));
  EXPECT_NE(error_of([&] { evaluate(cast(col("s"), DataType::date32), d); }).find("'2023-02-29' to date32 at row 2"),
            std::string::npos);
  const Table ts({"s"}, {strings({"2024-02-29 13:45:00.5", "2024-03-01", "1969-12-31T23:59:59"})});
  EXPECT_EQ(eval_texts(cast(col("s"), DataType::timestamp), ts),
            (Texts{"2024-02-29 13:45:00.500000", "2024-03-01 00:00:00", "1969-12-31 23:59:59"}));
}

TEST(ExprCast, EverythingToString) {
  const Table t({"b", "i", "f", "f32", "d", "ts"},
                {bools({true, std::nullopt}), int64s({-12, 0}), float64s({0.1, 1.0}), float32s({0.1f, 2.5f}),
                 dates({"1969-07-20", "2024-02-29"}), timestamps({"1969-07-20 20:17:40", "2024-02-29 00:00:00.000001"})});
  EXPECT_EQ(eval_texts(cast(col("b"), DataType::string), t), (Texts{"true", "null"}));
  EXPECT_EQ(eval_texts(cast(col("i"), DataType::string), t), (Texts{"-12", "0"}));
  EXPECT_EQ(eval_texts(cast(col("f"), DataType::string), t), (Texts{"0.1", "1"}));
  EXPECT_EQ(eval_texts(cast(col("f32"), DataType::string), t), (Texts{"0.1", "2.5"}));
  EXPECT_EQ(eval_texts(cast(col("d"), DataType::string), t), (Texts{"1969-07-20", "2024-02-29"}));
  EXPECT_EQ(eval_texts(cast(col("ts"), DataType::string), t), (Texts{"1969-07-20 20:17:40", "2024-02-29 00:00:00.000001"}));
}

TEST(ExprCast, DatesAndTimestamps) {
  const Table t({"d", "ts"}, {dates({"1969-12-31", "2024-02-29"}),
                              timestamps({"1969-12-31 23:59:59.999999", "2024-02-29 00:00:00"})});
  EXPECT_EQ(eval_texts(cast(col("d"), DataType::timestamp), t), (Texts{"1969-12-31 00:00:00", "2024-02-29 00:00:00"}));
  // A timestamp's date is the day it falls in, also before 1970.
  EXPECT_EQ(eval_texts(cast(col("ts"), DataType::date32), t), (Texts{"1969-12-31", "2024-02-29"}));
}

TEST(ExprCast, NullsCastToAnyType) {
  const Table t({"a"}, {int32s({1, 2})});
  const Column c = evaluate(cast(null_literal(), DataType::date32), t);
  EXPECT_EQ(c.type(), DataType::date32);
  EXPECT_EQ(texts(c), (Texts{"null", "null"}));
  EXPECT_EQ(cast_value(Value::null(DataType::string), DataType::float64, "x").type(), DataType::float64);
}

TEST(ExprCast, CastValueFoldsOneValue) {
  EXPECT_EQ(cast_value(Value::string("12"), DataType::int64, "x").as_int(), 12);
  EXPECT_EQ(cast_value(Value::float64(2.5), DataType::int32, "x").as_int(), 2);
  EXPECT_EQ(cast_value(Value::int32(7), DataType::string, "x").as_string(), "7");
  EXPECT_EQ(error_of([] { cast_value(Value::string("x1"), DataType::int32, "CAST('x1' AS INTEGER)"); }),
            "could not convert string 'x1' to int32 in 'CAST('x1' AS INTEGER)'");
  EXPECT_THROW(cast_value(Value::date32(0), DataType::int32, "x"), DTypeError);
}

}  // namespace
}  // namespace nimbus::analytics
