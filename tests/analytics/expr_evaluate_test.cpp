// The chunked evaluator: chunk boundaries, slices, output layout, thread-count independence,
// predicates and errors.
#include <gtest/gtest.h>

#include "analytics/expr/vector.h"
#include "expr_test_util.h"

namespace nimbus::analytics {
namespace {

using namespace expr;
using namespace testing;

// "r<i>" (appended, not "r" + ...: GCC 12 misreports that form under -Wrestrict).
std::string row_name(int64_t i) { return std::string("r").append(std::to_string(i)); }

// n rows: a = i (NULL every 7th row), s = "r<i>", f = i / 4.
Table long_table(int64_t n) {
  ColumnBuilder a(DataType::int64), s(DataType::string), f(DataType::float64);
  for (int64_t i = 0; i < n; ++i) {
    i % 7 == 3 ? a.append_null() : a.append_int64(i);
    s.append_string(row_name(i));
    f.append_float64(static_cast<double>(i) / 4);
  }
  return Table({"a", "s", "f"}, {a.finish(), s.finish(), f.finish()});
}

TEST(ExprEvaluate, TablesLongerThanAChunk) {
  const int64_t n = 3 * kChunkRows + 5;
  const Table t = long_table(n);
  const Column sum = evaluate(add(col("a"), lit(int64_t{1})), t);
  const Column text = evaluate(concat_op(col("s"), lit("!")), t);
  const Column odd = evaluate(eq(mod(col("a"), lit(2)), lit(1)), t);
  ASSERT_EQ(sum.length(), n);
  for (int64_t i = 0; i < n; ++i) {
    if (i % 7 == 3) {
      EXPECT_TRUE(sum.is_null(i)) << i;
      EXPECT_TRUE(odd.is_null(i)) << i;
    } else {
      EXPECT_EQ(sum.value<int64_t>(i), i + 1) << i;
      EXPECT_EQ(odd.bool_value(i), i % 2 == 1) << i;
    }
    EXPECT_EQ(text.string_value(i), row_name(i).append("!")) << i;
  }
  EXPECT_EQ(sum.null_count(), (n + 3) / 7);
}

TEST(ExprEvaluate, SlicesWithAnOffset) {
  const Table t = long_table(2 * kChunkRows + 100);
  // Offsets that are not multiples of 8 exercise the bitmaps' bit positions.
  for (int64_t start : {int64_t{1}, int64_t{13}, kChunkRows - 3}) {
    const Table part = t.slice(start, kChunkRows + 50);
    const Column c = evaluate(case_when({{is_null(col("a")), col("s")}}, cast(col("f"), DataType::string)), part);
    const Column b = evaluate(gt(col("a"), lit(int64_t{kChunkRows})), part);
    for (int64_t i = 0; i < part.num_rows(); ++i) {
      const int64_t row = start + i;
      const std::string expected = row % 7 == 3 ? row_name(row) : t.column("f").value_text(row);
      ASSERT_EQ(c.string_value(i), expected) << start << " " << i;
      ASSERT_EQ(b.is_null(i), row % 7 == 3);
      if (row % 7 != 3) {
        ASSERT_EQ(b.bool_value(i), row > kChunkRows);
      }
    }
  }
}

TEST(ExprEvaluate, NoBitmapWithoutNullsAndBoolsArePacked) {
  const Table t({"x"}, {int32s({1, 2, 3, 4, 5, 6, 7, 8, 9})});
  const Column c = evaluate(mul(col("x"), lit(2)), t);
  EXPECT_FALSE(c.validity().defined());
  EXPECT_EQ(c.offset(), 0);
  EXPECT_EQ(c.values<int32_t>()[8], 18);
  const Column odd = evaluate(eq(mod(col("x"), lit(2)), lit(1)), t);
  EXPECT_FALSE(odd.validity().defined());
  // Rows 0, 2, 4, 6, 8 are odd numbers: bits 0b01010101, 0b00000001.
  const auto* bits = static_cast<const uint8_t*>(odd.data().data());
  EXPECT_EQ(bits[0], 0b01010101);
  EXPECT_EQ(bits[1] & 1, 1);
  // NULL slots hold zeros.
  const Table n({"x"}, {int32s({1, std::nullopt, 3})});
  const Column with_null = evaluate(add(col("x"), lit(1)), n);
  ASSERT_TRUE(with_null.validity().defined());
  EXPECT_EQ(with_null.values<int32_t>()[1], 0);
}

TEST(ExprEvaluate, AColumnReferenceIsTheColumnItself) {
  const Table t = long_table(10);
  const Column c = evaluate(col("f"), t);
  EXPECT_EQ(c.data().data(), t.column("f").data().data());
}

TEST(ExprEvaluate, EmptyTablesAndConstantExpressions) {
  const Table empty({"a"}, {int64s({})});
  const Column c = evaluate(add(col("a"), lit(int64_t{1})), empty);
  EXPECT_EQ(c.length(), 0);
  EXPECT_EQ(c.type(), DataType::int64);
  EXPECT_EQ(evaluate(concat_op(lit("a"), lit("b")), empty).length(), 0);
  EXPECT_EQ(evaluate_predicate(gt(col("a"), lit(int64_t{0})), empty).size(), 0u);
  const Table three({"a"}, {int64s({1, 2, 3})});
  EXPECT_EQ(eval_texts(lit("k"), three), (Texts{"k", "k", "k"}));
  EXPECT_EQ(eval_texts(null_literal(), three), (Texts{"null", "null", "null"}));
}

TEST(ExprEvaluate, SameResultForAnyThreadCount) {
  const Table t = long_table(9 * kChunkRows + 77);
  const ExprPtr e = case_when({{gt(col("f"), lit(1000.0)), concat_op(col("s"), cast(col("a"), DataType::string))}},
                              call("upper", {col("s")}));
  EvaluateOptions one;
  one.threads = 1;
  const Column reference = evaluate(e, t, one);
  for (int threads : {2, 3, 4, 8}) {
    EvaluateOptions many;
    many.threads = threads;
    many.min_chunks_per_thread = 1;
    EXPECT_TRUE(evaluate(e, t, many).equals(reference)) << threads;
    EXPECT_EQ(evaluate_predicate(is_null(col("a")), t, many), evaluate_predicate(is_null(col("a")), t, one));
  }
}

TEST(ExprEvaluate, TheFirstErrorInRowOrderIsReportedForAnyThreadCount) {
  // Bad strings at rows 5000 and 15000 (different chunks): row 5000 is always the one named.
  ColumnBuilder s(DataType::string);
  for (int64_t i = 0; i < 8 * kChunkRows; ++i) s.append_string(i == 5000 || i == 15000 ? "bad" : std::to_string(i));
  const Table t({"s"}, {s.finish()});
  for (int threads : {1, 2, 4, 8}) {
    EvaluateOptions options;
    options.threads = threads;
    options.min_chunks_per_thread = 1;
    EXPECT_EQ(error_of([&] { evaluate(cast(col("s"), DataType::int32), t, options); }),
              "could not convert string 'bad' to int32 at row 5000 in 'CAST(s AS INTEGER)'")
        << threads;
  }
}

TEST(ExprPredicate, RowsWhereTrueWithNullAsFalse) {
  const Table t({"x"}, {int32s({5, std::nullopt, 1, 9, 0})});
  EXPECT_EQ(evaluate_predicate(gt(col("x"), lit(2)), t), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(evaluate_predicate(not_(gt(col("x"), lit(2))), t), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(evaluate_predicate(or_(is_null(col("x")), eq(col("x"), lit(0))), t), (std::vector<int64_t>{1, 4}));
  const Table long_t = long_table(3 * kChunkRows);
  const std::vector<int64_t> rows = evaluate_predicate(is_null(col("a")), long_t);
  ASSERT_EQ(rows.size(), static_cast<size_t>((3 * kChunkRows + 3) / 7));
  for (size_t k = 0; k < rows.size(); ++k) EXPECT_EQ(rows[k], static_cast<int64_t>(7 * k + 3));
  EXPECT_EQ(error_of([&] { evaluate_predicate(add(col("x"), lit(1)), t); }),
            "a filter needs a bool expression; '(x + 1)' is int32");
}

TEST(ExprEvaluate, TheTableMustMatchTheBinding) {
  const Table t({"a", "b"}, {int32s({1}), strings({"x"})});
  const BoundExprPtr bound = bind_expr(add(col("a"), lit(1)), t);
  const Table other({"b", "a"}, {strings({"x"}), int32s({1})});
  EXPECT_NE(error_of([&] { evaluate(*bound, other); }).find("bind against this table"), std::string::npos);
  const Table retyped({"a", "b"}, {int64s({1}), strings({"x"})});
  EXPECT_THROW(evaluate(*bound, retyped), Error);
  EXPECT_EQ(texts(evaluate(*bound, Table({"a", "c"}, {int32s({41}), int32s({0})}))), (Texts{"42"}));
}

}  // namespace
}  // namespace nimbus::analytics
