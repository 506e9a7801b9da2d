// Subqueries beyond the DuckDB answer file (queries.test): correlated subqueries decorrelated into
// joins (Note [Decorrelated subqueries]), quantified comparisons with NULLs (Note [Quantified
// comparisons]), VALUES lists (Note [VALUES column types]), and the shapes refused with an error
// at the place in the query text.
#include <gtest/gtest.h>

#include "analytics/column_builder.h"
#include "analytics/sql/sql_engine.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics {
namespace {

// t(k, v): k = 1 has two rows, k = 2 one with a NULL v, k = NULL one; u(k, w): k = 1 and 3.
SqlEngine engine_with_tables() {
  ColumnBuilder tk(DataType::int32), tv(DataType::int32);
  for (auto [k, v] : std::vector<std::pair<int, int>>{{1, 10}, {1, 20}, {2, -1}, {-1, 5}}) {
    k < 0 ? tk.append_null() : tk.append_int32(k);
    v < 0 ? tv.append_null() : tv.append_int32(v);
  }
  ColumnBuilder uk(DataType::int64), uw(DataType::string);
  uk.append_int64(1);
  uw.append_string("one");
  uk.append_int64(3);
  uw.append_string("three");
  SqlEngine engine;
  engine.register_table("t", Table({"k", "v"}, {tk.finish(), tv.finish()}));
  engine.register_table("u", Table({"k", "w"}, {uk.finish(), uw.finish()}));
  return engine;
}

// The query's rows as text, cells separated by '|', NULL as "null".
std::vector<std::string> rows(SqlEngine& engine, const std::string& sql) {
  const Table table = engine.query(sql);
  std::vector<std::string> out;
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    std::string line;
    for (int64_t c = 0; c < table.num_columns(); ++c) {
      if (c > 0) line += '|';
      line += table.column(c).is_null(r) ? "null" : table.column(c).value_text(r);
    }
    out.push_back(line);
  }
  return out;
}

using Rows = std::vector<std::string>;

std::string sql_error(SqlEngine& engine, const std::string& sql) {
  try {
    engine.query(sql);
  } catch (const SqlError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no SqlError for: " << sql;
  return "";
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' is not in:\n" << text;
}

// The caret line under `sql` pointing at the first occurrence of `at`.
std::string caret_at(const std::string& sql, const std::string& at) {
  return "LINE 1: " + sql + "\n" + std::string(8 + sql.find(at), ' ') + "^";
}

TEST(SqlCorrelated, ExistsAndNotExistsAreSemiAndAntiJoins) {
  SqlEngine e = engine_with_tables();
  EXPECT_EQ(rows(e, "SELECT k FROM u WHERE EXISTS (SELECT 1 FROM t WHERE t.k = u.k)"), (Rows{"1"}));
  EXPECT_EQ(rows(e, "SELECT k FROM u WHERE NOT EXISTS (SELECT * FROM t WHERE t.k = u.k)"), (Rows{"3"}));
  // In the select list, under NOT and OR; a NULL key matches nothing.
  EXPECT_EQ(rows(e, "SELECT v, EXISTS (SELECT 1 FROM u WHERE u.k = t.k) OR v > 10 FROM t"),
            (Rows{"10|true", "20|true", "null|null", "5|false"}));
  // EXISTS (... LIMIT 1) is the same question.
  EXPECT_EQ(rows(e, "SELECT k FROM u WHERE EXISTS (SELECT 1 FROM t WHERE t.k = u.k LIMIT 1)"), (Rows{"1"}));
  // An aggregate without GROUP BY always has a row.
  EXPECT_EQ(rows(e, "SELECT k FROM u WHERE EXISTS (SELECT max(v) FROM t WHERE t.k = u.k)"), (Rows{"1", "3"}));
}

TEST(SqlCorrelated, ScalarAggregatesGetTheEmptyGroupsValue) {
  SqlEngine e = engine_with_tables();
  // count over no rows is 0, not NULL; sum is NULL; expressions over them keep their value.
  EXPECT_EQ(rows(e, "SELECT k, (SELECT count(*) FROM t WHERE t.k = u.k), (SELECT sum(v) FROM t WHERE t.k = u.k), "
                    "(SELECT count(v) * 10 + 1 FROM t WHERE t.k = u.k) FROM u"),
            (Rows{"1|2|30|21", "3|0|null|1"}));
  // In WHERE, against a per-group average of the same table.
  EXPECT_EQ(rows(e, "SELECT v FROM t a WHERE v > (SELECT avg(v) FROM t b WHERE b.k = a.k)"), (Rows{"20"}));
  // With GROUP BY inside, a key without rows gives no row, so NULL.
  EXPECT_EQ(rows(e, "SELECT k, (SELECT count(*) FROM t WHERE t.k = u.k GROUP BY t.k) FROM u"),
            (Rows{"1|2", "3|null"}));
  // Correlated on an expression of the outer row, in a grouped outer query.
  EXPECT_EQ(rows(e, "SELECT k, count(*), (SELECT w FROM u WHERE u.k = t.k + 2) FROM t GROUP BY k ORDER BY k"),
            (Rows{"1|2|three", "2|1|null", "null|1|null"}));
}

TEST(SqlCorrelated, InAndNotInKeepNullRulesPerOuterRow) {
  SqlEngine e = engine_with_tables();
  // For k = 2 the subquery's values are {NULL}: IN is NULL, NOT IN too; for k = NULL they are
  // empty: IN is false, NOT IN true.
  EXPECT_EQ(rows(e, "SELECT k, 10 IN (SELECT v FROM t b WHERE b.k = a.k), 10 NOT IN (SELECT v FROM t b WHERE b.k = a.k) "
                    "FROM (SELECT DISTINCT k FROM t) a"),
            (Rows{"1|true|false", "2|null|null", "null|false|true"}));
  // With a residual condition: for v = NULL, b.v <> NULL holds for no row, so the set is empty.
  EXPECT_EQ(rows(e, "SELECT v FROM t a WHERE v NOT IN (SELECT v FROM t b WHERE b.k = a.k AND b.v <> a.v)"),
            (Rows{"10", "20", "null", "5"}));
}

TEST(SqlCorrelated, QuantifiedComparisonsPerOuterRow) {
  SqlEngine e = engine_with_tables();
  EXPECT_EQ(rows(e, "SELECT k, 15 > ALL (SELECT v FROM t b WHERE b.k = a.k), 15 < ANY (SELECT v FROM t b WHERE b.k = a.k) "
                    "FROM (SELECT DISTINCT k FROM t) a"),
            (Rows{"1|false|true", "2|null|null", "null|true|false"}));
}

TEST(SqlCorrelated, ScalarWithTwoRowsForAnOuterRowIsAnError) {
  SqlEngine e = engine_with_tables();
  const std::string sql = "SELECT k, (SELECT v FROM t WHERE t.k = u.k) FROM u";
  const std::string error = sql_error(e, sql);
  expect_contains(error, "more than one row returned by a subquery used as an expression");
  expect_contains(error, caret_at(sql, "(SELECT v"));
  // One row per outer row is fine.
  EXPECT_EQ(rows(e, "SELECT k, (SELECT v FROM t WHERE t.k = u.k AND t.v > 15) FROM u"), (Rows{"1|20", "3|null"}));
}

TEST(SqlCorrelated, UnsupportedShapesPointAtTheirPlace) {
  SqlEngine e = engine_with_tables();
  struct Case {
    std::string sql, at, message;
  };
  const std::vector<Case> cases = {
      {"SELECT k FROM u WHERE EXISTS (SELECT 1 FROM t WHERE t.k = u.k OR t.v = 1)", "OR t.v",
       "needs an equality between its columns and the enclosing query's"},
      {"SELECT k FROM u WHERE EXISTS (SELECT 1 FROM t WHERE t.v > u.k)", "> u.k",
       "needs an equality between its columns and the enclosing query's"},
      {"SELECT (SELECT max(v) FROM t WHERE t.k = u.k AND t.v > u.k) FROM u", "> u.k",
       "with aggregates or DISTINCT may use the enclosing query's columns only in equalities"},
      {"SELECT (SELECT u.w FROM t WHERE t.k = u.k) FROM u", "u.w FROM",
       "'u.w' is a column of an enclosing query"},
      {"SELECT (SELECT v FROM t WHERE t.k = u.k LIMIT 1) FROM u", "1) FROM", "LIMIT is not supported in a correlated"},
      {"SELECT (SELECT row_number() OVER () FROM t WHERE t.k = u.k) FROM u", "row_number",
       "window functions are not supported in a correlated subquery"},
      {"SELECT (SELECT count(*) FROM t WHERE t.k = u.k HAVING count(*) > 1) FROM u", "> 1",
       "HAVING without GROUP BY is not supported in a correlated subquery"},
      {"SELECT count(*) FROM u GROUP BY (SELECT max(v) FROM t WHERE t.k = u.k)", "(SELECT max",
       "correlated subqueries are not supported in GROUP BY"},
      {"SELECT (SELECT (SELECT max(k) FROM t WHERE t.v = u.k) FROM t WHERE t.k = 1 LIMIT 1) FROM u", "u.k)",
       "'u.k' is a column of an enclosing query"},
      {"SELECT (SELECT v FROM t WHERE t.k = u.k UNION SELECT 1) FROM u", "u.k UNION",
       "'u.k' is a column of an enclosing query"},
  };
  for (const Case& c : cases) {
    const std::string error = sql_error(e, c.sql);
    expect_contains(error, c.message);
    expect_contains(error, caret_at(c.sql, c.at));
  }
}

TEST(SqlQuantified, ThreeValuedLogicWithNullsAndEmptyResults) {
  SqlEngine e = engine_with_tables();
  // t.v is {10, 20, NULL, 5}.
  EXPECT_EQ(rows(e, "SELECT 30 > ALL (SELECT v FROM t), 30 > ANY (SELECT v FROM t), 1 > ALL (SELECT v FROM t), "
                    "1 > ANY (SELECT v FROM t), 10 = ANY (SELECT v FROM t), 10 <> ALL (SELECT v FROM t)"),
            (Rows{"null|true|false|null|true|false"}));
  // Empty: ALL is true and ANY false, even for a NULL x.
  EXPECT_EQ(rows(e, "SELECT NULL > ALL (SELECT v FROM t WHERE false), NULL > ANY (SELECT v FROM t WHERE false), "
                    "2 = ALL (SELECT v FROM t WHERE false)"),
            (Rows{"true|false|true"}));
  // Without NULLs; = ALL needs every value equal, <> ANY one that differs; SOME is ANY.
  EXPECT_EQ(rows(e, "SELECT 10 = ALL (SELECT v FROM t WHERE v = 10), 10 <> ANY (SELECT v FROM t WHERE v = 10), "
                    "10 <> ANY (SELECT v FROM t WHERE v >= 10), 6 <= SOME (SELECT v FROM t WHERE v < 10)"),
            (Rows{"true|false|true|false"}));
  EXPECT_EQ(rows(e, "SELECT v FROM t WHERE v >= ALL (SELECT v FROM t WHERE v IS NOT NULL)"), (Rows{"20"}));
  expect_contains(sql_error(e, "SELECT 1 > ALL (SELECT k, v FROM t)"), "subquery returns 2 columns - expected 1");
}

TEST(SqlValues, StandaloneAndInFromWithUnifiedTypes) {
  SqlEngine e = engine_with_tables();
  const Table standalone = e.query("VALUES (1, 'a'), (2, NULL)");
  EXPECT_EQ(standalone.names(), (std::vector<std::string>{"col0", "col1"}));
  EXPECT_EQ(standalone.column(0).type(), DataType::int32);
  EXPECT_EQ(standalone.column(1).type(), DataType::string);
  // 1 with 2.5 makes DOUBLE; 1 with a BIGINT makes BIGINT; NULL takes the others' type; a string
  // next to a date is a date.
  const Table t = e.query("SELECT * FROM (VALUES (1, CAST(1 AS BIGINT), NULL, DATE '2024-01-01'), "
                          "(2.5, 2, 'x', '2024-02-29')) AS v(a, b, c, d)");
  EXPECT_EQ(t.names(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(t.column("a").type(), DataType::float64);
  EXPECT_EQ(t.column("b").type(), DataType::int64);
  EXPECT_EQ(t.column("c").type(), DataType::string);
  EXPECT_EQ(t.column("d").type(), DataType::date32);
  EXPECT_EQ(rows(e, "SELECT a, d FROM (VALUES (1, DATE '2024-01-01'), (2.5, '2024-02-29')) AS v(a, d)"),
            (Rows{"1|2024-01-01", "2.5|2024-02-29"}));
  // Fewer names than columns rename a prefix; a join with a table; VALUES in a UNION.
  EXPECT_EQ(e.query("SELECT * FROM (VALUES (1, 2)) v(x)").names(), (std::vector<std::string>{"x", "col1"}));
  EXPECT_EQ(rows(e, "SELECT u.w, v.n FROM u JOIN (VALUES (3, 'c'), (4, 'd')) v(k, n) ON u.k = v.k"), (Rows{"three|c"}));
  EXPECT_EQ(rows(e, "SELECT k FROM u UNION ALL VALUES (NULL), (7)"), (Rows{"1", "3", "null", "7"}));
}

TEST(SqlValues, ErrorsPointAtTheItem) {
  SqlEngine e = engine_with_tables();
  std::string sql = "VALUES (1, 2), (3)";
  std::string error = sql_error(e, sql);
  expect_contains(error, "VALUES lists must all be the same length: the first has 2 items, this one 1");
  expect_contains(error, caret_at(sql, "3)"));
  sql = "SELECT * FROM (VALUES (1), ('a')) v(x)";
  error = sql_error(e, sql);
  expect_contains(error, "VALUES items of types int32 and string in one column do not mix");
  expect_contains(error, caret_at(sql, "'a'"));
  sql = "SELECT * FROM (VALUES (1, 2)) AS v(a, b, c)";
  expect_contains(sql_error(e, sql), "table 'v' has 2 columns but 3 names are given for them");
  expect_contains(sql_error(e, "VALUES (k)"), "VALUES items are constants; 'k' is a column name");
}

}  // namespace
}  // namespace nimbus::analytics
