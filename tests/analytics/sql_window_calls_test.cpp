// Window calls in SQL beyond the DuckDB answer file: column names, the same
// call used twice, and the errors for what is not supported, pointing at the
// place in the query.
#include <gtest/gtest.h>

#include "analytics/column_builder.h"
#include "analytics/sql/sql_engine.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics {
namespace {

SqlEngine engine_with_numbers() {
  ColumnBuilder id(DataType::int64), k(DataType::string), v(DataType::float64);
  for (int i = 1; i <= 6; ++i) {
    id.append_int64(i);
    k.append_string(i % 2 ? "odd" : "even");
    v.append_float64(i * 1.5);
  }
  SqlEngine engine;
  engine.register_table(
      "t", Table({"id", "k", "v"}, {id.finish(), k.finish(), v.finish()}));
  return engine;
}

// The text of the SqlError `sql` raises, with its "LINE 1: ..." pointer.
std::string sql_error(SqlEngine &engine, const std::string &sql) {
  try {
    engine.query(sql);
  } catch (const SqlError &e) {
    return e.what();
  }
  ADD_FAILURE() << "no SqlError for: " << sql;
  return "";
}

void expect_error(const std::string &sql, const std::string &message,
                  const std::string &pointed_at) {
  SqlEngine engine = engine_with_numbers();
  const std::string text = sql_error(engine, sql);
  EXPECT_NE(text.find(message), std::string::npos)
      << "'" << message << "' is not in:\n"
      << text;
  // The caret sits under the first character of `pointed_at`.
  const size_t line = text.find("LINE 1: ");
  ASSERT_NE(line, std::string::npos) << text;
  const size_t caret = text.find('^', line);
  ASSERT_NE(caret, std::string::npos) << text;
  const size_t column = caret - text.find('\n', line) - 1;
  EXPECT_EQ(text.substr(line + column, pointed_at.size()), pointed_at) << text;
}

TEST(SqlWindowCalls, ColumnsAreNamedAsWritten) {
  SqlEngine engine = engine_with_numbers();
  const Table out = engine.query(
      "SELECT id, row_number() OVER (PARTITION BY k ORDER BY id DESC), "
      "sum(v) OVER () AS total FROM t ORDER BY id");
  EXPECT_EQ(out.names(),
            (std::vector<std::string>{
                "id", "row_number() OVER (PARTITION BY k ORDER BY id DESC)",
                "total"}));
  EXPECT_EQ(out.column(1).value_text(0), "3");
  EXPECT_EQ(out.column(2).value_text(5), "31.5");
}

TEST(SqlWindowCalls, ARepeatedCallIsComputedOnceAndUsableInOrderBy) {
  SqlEngine engine = engine_with_numbers();
  const Table out =
      engine.query("SELECT id, rank() OVER (ORDER BY v DESC) * 10, rank() OVER "
                   "(ORDER BY v DESC) "
                   "FROM t ORDER BY rank() OVER (ORDER BY v DESC) LIMIT 2");
  ASSERT_EQ(out.num_rows(), 2);
  EXPECT_EQ(out.column(0).value_text(0), "6");
  EXPECT_EQ(out.column(1).value_text(1), "20");
}

TEST(SqlWindowCalls, UnsupportedFormsPointAtTheirPlace) {
  expect_error("SELECT rank() OVER w FROM t WINDOW w AS (ORDER BY id)",
               "named windows", "(");
  expect_error("SELECT sum(v) OVER (ORDER BY id GROUPS BETWEEN 1 PRECEDING AND "
               "CURRENT ROW) FROM t",
               "GROUPS frames are not supported", "(");
  expect_error("SELECT sum(v) OVER (ORDER BY v RANGE BETWEEN 2 PRECEDING AND "
               "CURRENT ROW) FROM t",
               "RANGE frames with an offset", "2 PRECEDING");
  expect_error("SELECT sum(v) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND "
               "CURRENT ROW EXCLUDE TIES) FROM t",
               "EXCLUDE", "(");
  expect_error("SELECT count(DISTINCT k) OVER () FROM t",
               "DISTINCT is not supported in window functions", "count");
  expect_error("SELECT sum(v) FILTER (WHERE id > 2) OVER () FROM t", "FILTER",
               "sum");
  expect_error("SELECT sum(rank() OVER (ORDER BY id)) OVER () FROM t",
               "cannot be nested", "rank");
  expect_error("SELECT median(v) OVER () FROM t",
               "unknown window function 'median'", "median");
  expect_error("SELECT lag(v, id) OVER (ORDER BY id) FROM t",
               "lag's offset must be a non-negative integer constant", "id)");
  expect_error("SELECT ntile(0) OVER (ORDER BY id) FROM t",
               "ntile's number of buckets must be positive", "0)");
  expect_error("SELECT row_number(id) OVER () FROM t",
               "row_number() takes 0 arguments", "row_number");
  expect_error("SELECT sum(k) OVER () FROM t", "sum does not take string",
               "sum");
  expect_error("SELECT id FROM t WHERE row_number() OVER (ORDER BY id) > 2",
               "window function row_number() is not allowed in WHERE",
               "row_number");
  expect_error("SELECT k, count(*) FROM t GROUP BY k HAVING rank() OVER (ORDER "
               "BY k) = 1",
               "window function rank() is not allowed in HAVING", "rank");
  expect_error(
      "SELECT sum(row_number() OVER ()) FROM t",
      "window function row_number() is not allowed in aggregate arguments",
      "row_number");
  expect_error("SELECT k, rank() OVER (ORDER BY v) FROM t GROUP BY k",
               "column 'v' must appear in the GROUP BY clause", "v)");
}

} // namespace
} // namespace nimbus::analytics
