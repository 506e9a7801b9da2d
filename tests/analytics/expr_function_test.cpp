// String, date-part and math functions.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "expr_test_util.h"

namespace nimbus::analytics {
namespace {

using namespace expr;
using namespace testing;

Table words() { return Table({"s"}, {strings({"héllo", "", "ÀbC dé", std::nullopt, "日本語"})}); }

TEST(ExprString, LengthCountsCharacters) {
  EXPECT_EQ(eval_texts(call("length", {col("s")}), words()), (Texts{"5", "0", "6", "null", "3"}));
}

TEST(ExprString, LowerUpperChangeAsciiOnly) {
  EXPECT_EQ(eval_texts(call("upper", {col("s")}), words()), (Texts{"HéLLO", "", "ÀBC Dé", "null", "日本語"}));
  EXPECT_EQ(eval_texts(call("lower", {col("s")}), words()), (Texts{"héllo", "", "Àbc dé", "null", "日本語"}));
}

TEST(ExprString, ContainsStartsWithEndsWith) {
  const Table t({"s", "p"}, {strings({"héllo", "", "abc", std::nullopt, "abc"}), strings({"él", "", "", "a", std::nullopt})});
  EXPECT_EQ(eval_texts(call("contains", {col("s"), col("p")}), t), (Texts{"true", "true", "true", "null", "null"}));
  EXPECT_EQ(eval_texts(call("starts_with", {col("s"), lit("h")}), t), (Texts{"true", "false", "false", "null", "false"}));
  EXPECT_EQ(eval_texts(call("ends_with", {col("s"), lit("lo")}), t), (Texts{"true", "false", "false", "null", "false"}));
}

TEST(ExprString, SubstrIsOneBasedInCharacters) {
  const Table t({"s"}, {strings({"héllo"})});
  const auto sub = [&](int64_t start, std::optional<int64_t> length) {
    std::vector<ExprPtr> args{col("s"), lit(start)};
    if (length) args.push_back(lit(*length));
    return eval_texts(call("substr", args), t)[0];
  };
  EXPECT_EQ(sub(1, 2), "hé");
  EXPECT_EQ(sub(2, std::nullopt), "éllo");
  EXPECT_EQ(sub(2, 100), "éllo");
  EXPECT_EQ(sub(6, 1), "");
  EXPECT_EQ(sub(0, 2), "h");  // position 0 is one before the first character
  EXPECT_EQ(sub(-3, 2), "ll");  // negative positions count from the end (DuckDB)
  EXPECT_EQ(sub(-100, 2), "hé");
  EXPECT_EQ(sub(3, -2), "hé");  // a negative length takes characters before the start
  EXPECT_EQ(sub(1, 0), "");
  EXPECT_EQ(sub(std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max()), "");
  EXPECT_EQ(sub(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min()), "");
  EXPECT_EQ(eval_texts(call("substring", {col("s"), lit(1), lit(1)}), Table({"s"}, {strings({"", std::nullopt})})),
            (Texts{"", "null"}));
}

TEST(ExprString, ConcatSkipsNullsButPipesPropagateThem) {
  const Table t({"a", "n"}, {strings({"x", std::nullopt, ""}), int32s({1, 2, std::nullopt})});
  EXPECT_EQ(eval_texts(call("concat", {col("a"), lit("-"), col("n")}), t), (Texts{"x-1", "-2", "-"}));
  EXPECT_EQ(eval_texts(concat_op(col("a"), col("n")), t), (Texts{"x1", "null", "null"}));
  EXPECT_EQ(eval_texts(concat_op(concat_op(col("a"), lit("é")), lit("")), t), (Texts{"xé", "null", "é"}));
}

TEST(ExprDate, PartsOfDatesBeforeAndAfter1970AndLeapDays) {
  const Table t({"d"}, {dates({"2024-02-29", "1969-12-31", "1900-02-28", "2000-02-29", "1970-01-01", std::nullopt})});
  EXPECT_EQ(eval_texts(call("year", {col("d")}), t), (Texts{"2024", "1969", "1900", "2000", "1970", "null"}));
  EXPECT_EQ(eval_texts(call("month", {col("d")}), t), (Texts{"2", "12", "2", "2", "1", "null"}));
  EXPECT_EQ(eval_texts(call("day", {col("d")}), t), (Texts{"29", "31", "28", "29", "1", "null"}));
  // Thursday, Wednesday, Wednesday, Tuesday, Thursday (Sunday = 0).
  EXPECT_EQ(eval_texts(call("dayofweek", {col("d")}), t), (Texts{"4", "3", "3", "2", "4", "null"}));
  EXPECT_EQ(eval_texts(call("hour", {col("d")}), t)[0], "0");
  EXPECT_EQ(eval_texts(call("date_part", {lit("dow"), col("d")}), t)[1], "3");
  EXPECT_EQ(eval_texts(call("date_part", {lit("year"), col("d")}), t)[2], "1900");
}

TEST(ExprDate, PartsOfTimestamps) {
  const Table t({"ts"}, {timestamps({"1969-12-31 23:59:58.5", "2024-02-29 13:45:07", "1970-01-04 00:00:00"})});
  EXPECT_EQ(eval_texts(call("year", {col("ts")}), t), (Texts{"1969", "2024", "1970"}));
  EXPECT_EQ(eval_texts(call("day", {col("ts")}), t), (Texts{"31", "29", "4"}));
  EXPECT_EQ(eval_texts(call("hour", {col("ts")}), t), (Texts{"23", "13", "0"}));
  EXPECT_EQ(eval_texts(call("minute", {col("ts")}), t), (Texts{"59", "45", "0"}));
  EXPECT_EQ(eval_texts(call("second", {col("ts")}), t), (Texts{"58", "7", "0"}));
  EXPECT_EQ(eval_texts(call("dayofweek", {col("ts")}), t), (Texts{"3", "4", "0"}));  // 1970-01-04: Sunday
  EXPECT_EQ(eval_texts(call("date_part", {lit("minute"), col("ts")}), t)[1], "45");
}

TEST(ExprMath, SameTypeFunctions) {
  const Table t({"i", "f", "g"}, {int32s({-3, 4, std::nullopt, std::numeric_limits<int32_t>::min()}),
                                  float64s({-2.5, 2.5, 0.125, -0.4}), float32s({1.5f, -1.5f, 2.5f, 0.5f})});
  const Table first3 = t.slice(0, 3);
  EXPECT_EQ(eval_texts(call("abs", {col("i")}), first3), (Texts{"3", "4", "null"}));
  EXPECT_NE(error_of([&] { evaluate(call("abs", {col("i")}), t); }).find("integer overflow: abs(-2147483648)"),
            std::string::npos);
  EXPECT_EQ(eval_texts(call("abs", {col("f")}), t), (Texts{"2.5", "2.5", "0.125", "0.4"}));
  // round: half away from zero.
  EXPECT_EQ(eval_texts(call("round", {col("f")}), t), (Texts{"-3", "3", "0", "-0"}));
  EXPECT_EQ(eval_texts(call("round", {col("g")}), t), (Texts{"2", "-2", "3", "1"}));
  EXPECT_EQ(eval_texts(call("round", {col("f"), lit(2)}), t), (Texts{"-2.5", "2.5", "0.13", "-0.4"}));
  EXPECT_EQ(eval_texts(call("round", {mul(col("f"), lit(1000.0)), lit(-2)}), t), (Texts{"-2500", "2500", "100", "-400"}));
  EXPECT_EQ(eval_texts(call("round", {col("i")}), first3), (Texts{"-3", "4", "null"}));
  EXPECT_EQ(eval_texts(call("floor", {col("f")}), t), (Texts{"-3", "2", "0", "-1"}));
  EXPECT_EQ(eval_texts(call("ceil", {col("f")}), t), (Texts{"-2", "3", "1", "-0"}));
  EXPECT_EQ(evaluate(call("floor", {col("g")}), t).type(), DataType::float32);
}

TEST(ExprMath, Float64Functions) {
  const Table t({"x"}, {float64s({4.0, 1.0, 0.0, std::nullopt})});
  EXPECT_EQ(eval_texts(call("sqrt", {col("x")}), t), (Texts{"2", "1", "0", "null"}));
  EXPECT_EQ(eval_texts(call("exp", {col("x")}), t)[2], "1");
  EXPECT_EQ(eval_texts(call("ln", {col("x")}), t.slice(1, 1)), (Texts{"0"}));
  EXPECT_EQ(eval_texts(call("power", {col("x"), lit(0.5)}), t), (Texts{"2", "1", "0", "null"}));
  EXPECT_EQ(eval_texts(call("pow", {lit(2), lit(10)}), t)[0], "1024");
  EXPECT_EQ(eval_texts(call("sqrt", {lit(int64_t{9})}), t)[0], "3");
  EXPECT_EQ(error_of([&] { evaluate(call("ln", {col("x")}), t); }),
            "cannot take the logarithm of zero (0) at row 2 in 'ln(x)'");
  const Table n({"x"}, {float64s({-1.0})});
  EXPECT_EQ(error_of([&] { evaluate(call("sqrt", {col("x")}), n); }),
            "cannot take the square root of a negative number (-1) at row 0 in 'sqrt(x)'");
  EXPECT_NE(error_of([&] { evaluate(call("ln", {col("x")}), n); }).find("logarithm of a negative number"),
            std::string::npos);
}

}  // namespace
}  // namespace nimbus::analytics
