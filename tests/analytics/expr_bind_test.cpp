// Binding: names resolved, types computed with DuckDB's promotions, clear errors, SQL text.
#include <gtest/gtest.h>

#include "expr_test_util.h"

namespace nimbus::analytics {
namespace {

using namespace expr;
using namespace testing;

Table sample() {
  return Table({"i32", "i64", "f32", "f64", "s", "b", "d", "ts"},
               {int32s({1}), int64s({2}), float32s({1.5f}), float64s({2.5}), strings({"x"}), bools({true}),
                dates({"2024-02-29"}), timestamps({"2024-02-29 12:00:00"})});
}

TEST(ExprBind, ResolvesColumnsToIndexAndType) {
  const Table t = sample();
  const BoundExprPtr b = bind_expr(col("f64"), t);
  EXPECT_EQ(b->kind, BoundKind::column);
  EXPECT_EQ(b->column, 3);
  EXPECT_EQ(b->type, DataType::float64);
}

TEST(ExprBind, UnknownColumnListsTheColumns) {
  const Table t({"a", "b"}, {int32s({1}), int32s({2})});
  EXPECT_EQ(error_of([&] { bind_expr(add(col("x"), lit(1)), t); }), "no column 'x'; the columns are: a, b");
}

TEST(ExprBind, ArithmeticPromotions) {
  const Table t = sample();
  EXPECT_EQ(type_of(add(col("i32"), col("i32")), t), DataType::int32);
  EXPECT_EQ(type_of(add(col("i32"), col("i64")), t), DataType::int64);
  EXPECT_EQ(type_of(mul(col("i64"), col("f64")), t), DataType::float64);
  EXPECT_EQ(type_of(sub(col("f32"), col("f32")), t), DataType::float32);
  EXPECT_EQ(type_of(sub(col("f32"), col("i32")), t), DataType::float64);  // Note [Type promotion in expressions]
  EXPECT_EQ(type_of(add(col("f32"), col("f64")), t), DataType::float64);
  EXPECT_EQ(type_of(mod(col("i64"), col("i32")), t), DataType::int64);
  // DuckDB's `/` is float division, also on integers.
  EXPECT_EQ(type_of(div(col("i32"), col("i32")), t), DataType::float64);
  EXPECT_EQ(type_of(div(col("f32"), col("f32")), t), DataType::float32);
  EXPECT_EQ(type_of(neg(col("i64")), t), DataType::int64);
  EXPECT_EQ(type_of(add(col("i32"), null_literal()), t), DataType::int32);
}

TEST(ExprBind, ImplicitCastsAreExplicitNodes) {
  const BoundExprPtr b = bind_expr(add(col("i32"), col("i64")), sample());
  ASSERT_EQ(b->children.size(), 2u);
  EXPECT_EQ(b->children[0]->kind, BoundKind::cast);
  EXPECT_EQ(b->children[0]->type, DataType::int64);
  EXPECT_EQ(b->children[0]->text(), "i32");  // an implicit cast prints as its operand
  // A literal is converted once, at bind time.
  const BoundExprPtr c = bind_expr(lt(col("i64"), lit(3)), sample());
  EXPECT_EQ(c->children[1]->kind, BoundKind::literal);
  EXPECT_EQ(c->children[1]->type, DataType::int64);
}

TEST(ExprBind, ComparisonsAndTheirErrors) {
  const Table t({"a", "n", "d", "ts"}, {strings({"x"}), int64s({1}), dates({"2024-01-01"}), timestamps({"2024-01-01 00:00:00"})});
  EXPECT_EQ(type_of(lt(col("n"), lit(2.5)), t), DataType::boolean);
  EXPECT_EQ(type_of(lt(col("d"), col("ts")), t), DataType::boolean);
  EXPECT_EQ(error_of([&] { bind_expr(lt(col("a"), lit(3)), t); }), "cannot compare string with int32 in '(a < 3)'");
  EXPECT_EQ(error_of([&] { bind_expr(eq(col("d"), col("n")), t); }), "cannot compare date32 with int64 in '(d = n)'");
  EXPECT_THROW(bind_expr(lt(col("a"), lit(3)), t), DTypeError);
  // A string literal next to a date is read as a date, once; a bad one fails at bind time.
  const BoundExprPtr folded = bind_expr(ge(col("d"), lit("2023-06-01")), t);
  EXPECT_EQ(folded->children[1]->type, DataType::date32);
  EXPECT_EQ(folded->children[1]->value.as_int(), *parse_date("2023-06-01"));
  EXPECT_EQ(error_of([&] { bind_expr(ge(col("d"), lit("2023-13-01")), t); }),
            "could not convert string '2023-13-01' to date32 in '(d >= '2023-13-01')'");
}

TEST(ExprBind, OperatorTypeErrors) {
  const Table t = sample();
  EXPECT_EQ(error_of([&] { bind_expr(add(col("s"), lit(1)), t); }), "cannot apply '+' to string and int32 in '(s + 1)'");
  EXPECT_EQ(error_of([&] { bind_expr(add(col("d"), lit(1)), t); }), "cannot apply '+' to date32 and int32 in '(d + 1)'");
  EXPECT_EQ(error_of([&] { bind_expr(and_(col("b"), col("i32")), t); }),
            "AND needs bool operands; 'i32' is int32 in '(b AND i32)'");
  EXPECT_EQ(error_of([&] { bind_expr(not_(col("s")), t); }), "NOT needs bool operands; 's' is string in '(NOT s)'");
  EXPECT_EQ(error_of([&] { bind_expr(neg(col("s")), t); }), "cannot negate string in '(-s)'");
  EXPECT_EQ(error_of([&] { bind_expr(cast(col("d"), DataType::int64), t); }),
            "cannot cast date32 to int64 in 'CAST(d AS BIGINT)'");
  EXPECT_EQ(error_of([&] { bind_expr(case_when({{col("b"), col("s")}}, col("i32")), t); }),
            "CASE results of types string and int32 do not mix in 'CASE WHEN b THEN s ELSE i32 END'");
  EXPECT_EQ(error_of([&] { bind_expr(case_when({{col("i32"), lit(1)}}), t); }),
            "CASE WHEN needs bool operands; 'i32' is int32 in 'CASE WHEN i32 THEN 1 END'");
  EXPECT_EQ(error_of([&] { bind_expr(coalesce({col("s"), col("f64")}), t); }),
            "COALESCE arguments of types string and float64 do not mix in 'COALESCE(s, f64)'");
}

TEST(ExprBind, FunctionErrors) {
  const Table t = sample();
  EXPECT_NE(error_of([&] { bind_expr(call("nope", {col("s")}), t); }).find("unknown function 'nope'; the functions are: length"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { bind_expr(call("length", {col("i32")}), t); }),
            "length needs a string; 'i32' is int32 in 'length(i32)'");
  EXPECT_EQ(error_of([&] { bind_expr(call("substr", {col("s")}), t); }),
            "substr takes 2 or 3 arguments, got 1 in 'substr(s)'");
  EXPECT_EQ(error_of([&] { bind_expr(call("year", {col("s")}), t); }),
            "year needs a date or timestamp; 's' is string in 'year(s)'");
  EXPECT_NE(error_of([&] { bind_expr(call("date_part", {lit("weeks"), col("d")}), t); })
                .find("date_part: the first argument must name a part"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { bind_expr(call("sqrt", {col("s")}), t); }), "sqrt needs a number; 's' is string in 'sqrt(s)'");
}

TEST(ExprBind, FunctionResultTypes) {
  const Table t = sample();
  EXPECT_EQ(type_of(call("length", {col("s")}), t), DataType::int64);
  EXPECT_EQ(type_of(call("UPPER", {col("s")}), t), DataType::string);  // names are case-insensitive
  EXPECT_EQ(type_of(call("contains", {col("s"), lit("a")}), t), DataType::boolean);
  EXPECT_EQ(type_of(call("concat", {col("s"), col("i32"), col("d")}), t), DataType::string);
  EXPECT_EQ(type_of(concat_op(col("s"), col("f64")), t), DataType::string);
  EXPECT_EQ(type_of(call("year", {col("d")}), t), DataType::int64);
  EXPECT_EQ(type_of(call("date_part", {lit("hour"), col("ts")}), t), DataType::int64);
  EXPECT_EQ(type_of(call("abs", {col("i32")}), t), DataType::int32);
  EXPECT_EQ(type_of(call("round", {col("f32")}), t), DataType::float32);
  EXPECT_EQ(type_of(call("sqrt", {col("i32")}), t), DataType::float64);
  EXPECT_EQ(type_of(call("power", {col("i32"), lit(2)}), t), DataType::float64);
  EXPECT_EQ(type_of(coalesce({col("i32"), col("i64"), null_literal()}), t), DataType::int64);
  EXPECT_EQ(type_of(case_when({{col("b"), col("i32")}}, col("f64")), t), DataType::float64);
  EXPECT_EQ(type_of(in_list(col("i32"), {lit(1), lit(int64_t{2})}), t), DataType::boolean);
  EXPECT_EQ(type_of(between(col("f64"), lit(1), lit(2)), t), DataType::boolean);
  EXPECT_EQ(type_of(null_literal(), t), DataType::int32);  // SQL's bare NULL is an INTEGER
  EXPECT_EQ(type_of(cast(null_literal(), DataType::string), t), DataType::string);
}

TEST(ExprText, PrintsSqlLikeText) {
  EXPECT_EQ(add(col("a"), lit(1))->to_sql(), "(a + 1)");
  EXPECT_EQ(neg(col("a"))->to_sql(), "(-a)");
  EXPECT_EQ(and_(is_null(col("a")), not_(col("b")))->to_sql(), "((a IS NULL) AND (NOT b))");
  EXPECT_EQ(cast(col("s"), DataType::int64)->to_sql(), "CAST(s AS BIGINT)");
  EXPECT_EQ(case_when({{gt(col("a"), lit(0)), lit("pos")}}, lit("neg"))->to_sql(),
            "CASE WHEN (a > 0) THEN 'pos' ELSE 'neg' END");
  EXPECT_EQ(case_of(col("a"), {{lit(1), lit("one")}, {lit(2), lit("two")}})->to_sql(),
            "CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' END");
  EXPECT_EQ(coalesce({col("a"), null_literal()})->to_sql(), "COALESCE(a, NULL)");
  EXPECT_EQ(in_list(col("a"), {lit(1), lit(2)}, true)->to_sql(), "(a NOT IN (1, 2))");
  EXPECT_EQ(between(col("a"), lit(1.0), lit(2.5))->to_sql(), "(a BETWEEN 1.0 AND 2.5)");
  EXPECT_EQ(call("substr", {col("s"), lit(2)})->to_sql(), "substr(s, 2)");
  EXPECT_EQ(concat_op(col("s"), lit("it's"))->to_sql(), "(s || 'it''s')");
  EXPECT_EQ(lt(col("d"), date_lit("2024-02-29"))->to_sql(), "(d < DATE '2024-02-29')");
  EXPECT_EQ(col("unit price")->to_sql(), "\"unit price\"");
  EXPECT_EQ(lit(Value::null(DataType::string))->to_sql(), "NULL");
  // The bound tree keeps the text as written, also where the binder rewrote it.
  const Table t({"a"}, {int32s({1})});
  EXPECT_EQ(bind_expr(between(col("a"), lit(1), lit(2), true), t)->text(), "(a NOT BETWEEN 1 AND 2)");
}

}  // namespace
}  // namespace nimbus::analytics
