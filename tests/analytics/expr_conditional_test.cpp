// CASE (both forms), COALESCE, IN and BETWEEN, with their NULL rules.
#include <gtest/gtest.h>

#include <limits>

#include "expr_test_util.h"

namespace nimbus::analytics {
namespace {

using namespace expr;
using namespace testing;

Table numbers() { return Table({"x"}, {int32s({-5, 0, 7, std::nullopt})}); }

TEST(ExprCase, SearchedFormTakesTheFirstTrueBranch) {
  const ExprPtr e = case_when({{lt(col("x"), lit(0)), lit("neg")}, {lt(col("x"), lit(5)), lit("small")}}, lit("big"));
  // NULL < 0 is NULL, which is not true: the NULL row falls to ELSE.
  EXPECT_EQ(eval_texts(e, numbers()), (Texts{"neg", "small", "big", "big"}));
}

TEST(ExprCase, WithoutElseGivesNull) {
  const ExprPtr e = case_when({{gt(col("x"), lit(0)), col("x")}});
  const Column c = evaluate(e, numbers());
  EXPECT_EQ(texts(c), (Texts{"null", "null", "7", "null"}));
  EXPECT_EQ(c.null_count(), 3);
}

TEST(ExprCase, SimpleFormComparesTheOperand) {
  const ExprPtr e = case_of(col("x"), {{lit(-5), lit(1.5)}, {lit(7), lit(2)}}, null_literal());
  const Column c = evaluate(e, numbers());
  EXPECT_EQ(c.type(), DataType::float64);  // results unify: float64 with int32
  EXPECT_EQ(texts(c), (Texts{"1.5", "null", "2", "null"}));
}

TEST(ExprCase, BranchesRunOnlyForTheirRows) {
  // Note [Rows that matter]: the cast would fail on 'x' and the modulo would be NULL on 0, but
  // those rows never reach the branch.
  const Table t({"s", "d"}, {strings({"12", "x", "7"}), int32s({5, 0, 2})});
  const ExprPtr e = case_when({{ne(col("s"), lit("x")), cast(col("s"), DataType::int32)}}, lit(-1));
  EXPECT_EQ(eval_texts(e, t), (Texts{"12", "-1", "7"}));
  const ExprPtr guarded = case_when({{ne(col("d"), lit(0)), div(lit(std::numeric_limits<int32_t>::max()), col("d"))}});
  EXPECT_EQ(eval_texts(guarded, t), (Texts{"429496729.4", "null", "1073741823.5"}));
  // Without the guard the bad row fails.
  EXPECT_NE(error_of([&] { evaluate(cast(col("s"), DataType::int32), t); }).find("'x' to int32 at row 1"),
            std::string::npos);
}

TEST(ExprCoalesce, FirstNonNull) {
  const Table t({"a", "b"}, {int32s({1, std::nullopt, std::nullopt}), int64s({10, 20, std::nullopt})});
  const Column c = evaluate(coalesce({col("a"), col("b"), lit(-1)}), t);
  EXPECT_EQ(c.type(), DataType::int64);
  EXPECT_EQ(texts(c), (Texts{"1", "20", "-1"}));
  EXPECT_FALSE(c.validity().defined());
  EXPECT_EQ(eval_texts(coalesce({col("a"), col("b")}), t), (Texts{"1", "20", "null"}));
  // Later arguments run only where needed: the cast of 'x' is never reached.
  const Table s({"s", "n"}, {strings({"x", "5"}), int32s({1, std::nullopt})});
  EXPECT_EQ(eval_texts(coalesce({col("n"), cast(col("s"), DataType::int32)}), s), (Texts{"1", "5"}));
}

TEST(ExprInList, SqlNullRules) {
  const Table t({"x"}, {int32s({1, 2, 3, std::nullopt})});
  EXPECT_EQ(eval_texts(in_list(col("x"), {lit(1), lit(3)}), t), (Texts{"true", "false", "true", "null"}));
  // A NULL item: no match gives NULL, a match still true.
  EXPECT_EQ(eval_texts(in_list(col("x"), {lit(1), null_literal()}), t), (Texts{"true", "null", "null", "null"}));
  EXPECT_EQ(eval_texts(in_list(col("x"), {lit(1), lit(3)}, true), t), (Texts{"false", "true", "false", "null"}));
  EXPECT_EQ(eval_texts(in_list(col("x"), {lit(1), null_literal()}, true), t), (Texts{"false", "null", "null", "null"}));
  // Items are promoted with the value: int32 with a float64 item compares as float64.
  EXPECT_EQ(eval_texts(in_list(col("x"), {lit(2.0), lit(2.5)}), t), (Texts{"false", "true", "false", "null"}));
  const Table s({"s"}, {strings({"a", "b"})});
  EXPECT_EQ(eval_texts(in_list(col("s"), {lit("b"), lit("c")}), s), (Texts{"false", "true"}));
  EXPECT_NE(error_of([&] { bind_expr(in_list(col("s"), {lit(1)}), s); }).find("cannot compare string with int32"),
            std::string::npos);
}

TEST(ExprBetween, InclusiveBoundsAndNulls) {
  const Table t({"x", "lo"}, {float64s({0.5, 1.0, 2.0, 2.5, std::nullopt}), int32s({1, 1, 1, std::nullopt, 1})});
  EXPECT_EQ(eval_texts(between(col("x"), col("lo"), lit(2)), t), (Texts{"false", "true", "true", "false", "null"}));
  // 2.5 BETWEEN NULL AND 2 is false (2.5 <= 2 is false), 2.0 would be NULL.
  EXPECT_EQ(eval_texts(between(col("x"), col("lo"), lit(2), true), t), (Texts{"true", "false", "false", "true", "null"}));
  const Table d({"d"}, {dates({"2024-02-28", "2024-02-29", "2024-03-01"})});
  EXPECT_EQ(eval_texts(between(col("d"), lit("2024-02-29"), date_lit("2024-03-31")), d), (Texts{"false", "true", "true"}));
}

}  // namespace
}  // namespace nimbus::analytics
