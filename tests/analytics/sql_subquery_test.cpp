// Subqueries beyond the DuckDB answer file (queries.test): correlated subqueries decorrelated into
// joins (Note [Decorrelated subqueries]) or, with conditions other than equalities, run over the
// distinct outer values (Note [Dependent joins]), quantified comparisons with NULLs (Note [Quantified
// comparisons]), VALUES lists (Note [VALUES column types]), and the shapes refused with an error
// at the place in the query text.
#include <gtest/gtest.h>

#include <tuple>

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

// o(id, a, s): ids 1 and 2 share their values, 4 has a NULL a, 5 a NULL s. i(x, s, g): one NULL
// x, one NULL s. e(x): no rows. For correlated conditions other than equalities (Note [Dependent
// joins]).
SqlEngine engine_with_domain_tables() {
  ColumnBuilder oid(DataType::int32), oa(DataType::int32), os(DataType::string);
  const std::vector<std::tuple<int, int, const char*>> outer = {
      {1, 10, "x"}, {2, 10, "x"}, {3, 25, "y"}, {4, -1, "x"}, {5, 0, nullptr}};
  for (const auto& [id, a, s] : outer) {
    oid.append_int32(id);
    a < 0 ? oa.append_null() : oa.append_int32(a);
    s == nullptr ? os.append_null() : os.append_string(s);
  }
  ColumnBuilder ix(DataType::int32), is(DataType::string), ig(DataType::int32);
  const std::vector<std::tuple<int, const char*, int>> inner = {
      {5, "x", 1}, {10, "y", 1}, {20, "x", 2}, {-1, "y", 2}, {30, nullptr, 1}};
  for (const auto& [x, s, g] : inner) {
    x < 0 ? ix.append_null() : ix.append_int32(x);
    s == nullptr ? is.append_null() : is.append_string(s);
    ig.append_int32(g);
  }
  SqlEngine engine;
  engine.register_table("o", Table({"id", "a", "s"}, {oid.finish(), oa.finish(), os.finish()}));
  engine.register_table("i", Table({"x", "s", "g"}, {ix.finish(), is.finish(), ig.finish()}));
  engine.register_table("e", Table({"x"}, {ColumnBuilder(DataType::int32).finish()}));
  return engine;
}

TEST(SqlDependentJoin, AggregatesOverNonEqualityConditionsKeepTheCountRule) {
  SqlEngine e = engine_with_domain_tables();
  // i.x < o.a: a = 10 sees {5}, a = 25 sees {5, 10, 20}; NULL and 0 see nothing: count 0, sum NULL.
  EXPECT_EQ(rows(e, "SELECT id, (SELECT count(*) FROM i WHERE i.x < o.a), (SELECT sum(x) FROM i WHERE i.x < o.a), "
                    "(SELECT count(x) + 1 FROM i WHERE i.x < o.a) FROM o ORDER BY id"),
            (Rows{"1|1|5|2", "2|1|5|2", "3|3|35|4", "4|0|null|1", "5|0|null|1"}));
  // <> with a NULL on either side holds for no row; an OR can still find rows for an outer NULL,
  // and the outer row with the NULL gets that answer (count(i.s) leaves out i's NULL s).
  EXPECT_EQ(rows(e, "SELECT id, (SELECT count(*) FROM i WHERE i.s <> o.s), "
                    "(SELECT count(i.s) FROM i WHERE i.s <> o.s OR o.s IS NULL) FROM o ORDER BY id"),
            (Rows{"1|2|2", "2|2|2", "3|2|2", "4|2|2", "5|0|4"}));
  // An equality with BETWEEN and >: i.s = 'x' is {5, 20}, i.s = 'y' is {10, NULL}; s = NULL
  // matches nothing.
  EXPECT_EQ(rows(e, "SELECT id, (SELECT max(x) FROM i WHERE i.s = o.s AND i.x BETWEEN o.a - 5 AND o.a + 10), "
                    "(SELECT count(*) FROM i WHERE i.s = o.s AND i.x > o.a) FROM o ORDER BY id"),
            (Rows{"1|20|1", "2|20|1", "3|null|0", "4|null|0", "5|null|0"}));
  // In WHERE, and in the HAVING of a grouped outer query (its GROUP BY key s is the outer column).
  EXPECT_EQ(rows(e, "SELECT id FROM o WHERE (SELECT max(x) FROM i WHERE i.x < o.a) = 5 ORDER BY id"), (Rows{"1", "2"}));
  EXPECT_EQ(rows(e, "SELECT s, count(*) FROM o GROUP BY s HAVING count(*) > (SELECT count(*) FROM i WHERE i.s <> o.s) "
                    "ORDER BY s"),
            (Rows{"x|3", "null|1"}));
}

TEST(SqlDependentJoin, ExistsInAndQuantifiedComparisons) {
  SqlEngine e = engine_with_domain_tables();
  EXPECT_EQ(rows(e, "SELECT id FROM o WHERE EXISTS (SELECT 1 FROM i WHERE i.x > o.a) ORDER BY id"),
            (Rows{"1", "2", "3", "5"}));
  EXPECT_EQ(rows(e, "SELECT id FROM o WHERE NOT EXISTS (SELECT 1 FROM i WHERE i.x > o.a) ORDER BY id"), (Rows{"4"}));
  // An aggregate without GROUP BY always has a row; with GROUP BY and HAVING only a = 0 has a group
  // (g = 1: 5, 10, 30) of more than one row.
  EXPECT_EQ(rows(e, "SELECT count(*) FROM o WHERE EXISTS (SELECT count(*) FROM i WHERE i.x > o.a)"), (Rows{"5"}));
  EXPECT_EQ(rows(e, "SELECT id FROM o WHERE EXISTS (SELECT g FROM i WHERE i.x > o.a GROUP BY g HAVING count(*) > 1)"),
            (Rows{"5"}));
  // IN over grouped aggregates: a = 10 gets {10}, a = 25 gets {10, 20}, the others nothing.
  EXPECT_EQ(rows(e, "SELECT id, a IN (SELECT max(x) FROM i WHERE i.x <= o.a GROUP BY g), "
                    "a NOT IN (SELECT max(x) FROM i WHERE i.x <= o.a GROUP BY g) FROM o ORDER BY id"),
            (Rows{"1|true|false", "2|true|false", "3|false|true", "4|false|true", "5|false|true"}));
  // ALL over an empty set is true, even for a NULL.
  EXPECT_EQ(rows(e, "SELECT id, a - 10 > ALL (SELECT min(x) FROM i WHERE i.x < o.a GROUP BY g) FROM o ORDER BY id"),
            (Rows{"1|false", "2|false", "3|false", "4|true", "5|true"}));
}

TEST(SqlDependentJoin, ScalarsAndDistinct) {
  SqlEngine e = engine_with_domain_tables();
  // Without aggregates: one row or none per outer row.
  EXPECT_EQ(rows(e, "SELECT id, (SELECT x FROM i WHERE i.x > o.a AND i.x < o.a + 10) FROM o ORDER BY id"),
            (Rows{"1|null", "2|null", "3|30", "4|null", "5|5"}));
  // a = 25 sees 5 and 10, both g = 1: one row once DISTINCT, two without.
  EXPECT_EQ(rows(e, "SELECT id, (SELECT DISTINCT g FROM i WHERE i.x < o.a AND i.x <= 10) FROM o ORDER BY id"),
            (Rows{"1|1", "2|1", "3|1", "4|null", "5|null"}));
  const std::string sql = "SELECT id, (SELECT g FROM i WHERE i.x < o.a AND i.x <= 10) FROM o";
  const std::string error = sql_error(e, sql);
  expect_contains(error, "more than one row returned by a subquery used as an expression");
  expect_contains(error, caret_at(sql, "(SELECT g"));
  // DISTINCT with an equality: the x rows under 25 are 5 and 20, in groups 1 and 2.
  EXPECT_EQ(rows(e, "SELECT id, a IN (SELECT DISTINCT g * 10 FROM i WHERE i.s = o.s AND i.x < o.a) FROM o ORDER BY id"),
            (Rows{"1|true", "2|true", "3|false", "4|false", "5|false"}));
}

TEST(SqlDependentJoin, EmptyTablesOnEitherSide) {
  SqlEngine e = engine_with_domain_tables();
  EXPECT_EQ(rows(e, "SELECT id, (SELECT count(*) FROM e WHERE e.x < o.a), (SELECT max(x) FROM e WHERE e.x < o.a), "
                    "EXISTS (SELECT 1 FROM e WHERE e.x <> o.a) FROM o ORDER BY id"),
            (Rows{"1|0|null|false", "2|0|null|false", "3|0|null|false", "4|0|null|false", "5|0|null|false"}));
  EXPECT_EQ(rows(e, "SELECT id, (SELECT count(*) FROM i WHERE i.x < o.a) FROM o WHERE id > 100"), (Rows{}));
  // The inner rows left out by the subquery's own WHERE leave a domain row without rows.
  EXPECT_EQ(rows(e, "SELECT id, (SELECT count(*) FROM i WHERE i.x > 100 AND i.x > o.a) FROM o WHERE id < 3"),
            (Rows{"1|0", "2|0"}));
}

TEST(SqlDependentJoin, WorkGrowsWithDistinctOuterValuesNotOuterRows) {
  // 200000 outer rows with 4 distinct values against 20000 inner rows: the condition is tested on
  // 4 x 20000 pairs; per outer row it would be 4e9 (Note [Dependent joins]).
  ColumnBuilder a(DataType::int64), x(DataType::int64);
  for (int64_t r = 0; r < 200000; ++r) a.append_int64(r % 4 * 5000);
  for (int64_t r = 0; r < 20000; ++r) x.append_int64(r);
  SqlEngine e;
  e.register_table("big", Table({"a"}, {a.finish()}));
  e.register_table("small", Table({"x"}, {x.finish()}));
  EXPECT_EQ(rows(e, "SELECT a, count(*), sum(n) FROM (SELECT a, (SELECT count(*) FROM small WHERE small.x < big.a) AS n "
                    "FROM big) q GROUP BY a ORDER BY a"),
            (Rows{"0|50000|0", "5000|50000|250000000", "10000|50000|500000000", "15000|50000|750000000"}));
}

TEST(SqlDependentJoin, ManyCandidatePairsAreTestedInBlocks) {
  // No equality: 3000 inner rows x 1000 distinct outer values = 3e6 candidate pairs, more than one
  // block of them (Note [Dependent joins]); counts and sums checked against their formulas.
  ColumnBuilder a(DataType::int64), x(DataType::int64);
  for (int64_t r = 0; r < 2000; ++r) a.append_int64(r % 1000 * 3);
  for (int64_t r = 0; r < 3000; ++r) x.append_int64(r);
  SqlEngine e;
  e.register_table("outer_rows", Table({"a"}, {a.finish()}));
  e.register_table("inner_rows", Table({"x"}, {x.finish()}));
  // For a = 3i: count(x < a) = 3i, summed over both copies of every i: 2 * 3 * (0 + ... + 999).
  EXPECT_EQ(rows(e, "SELECT count(*), sum(n), min(n), max(n) FROM (SELECT (SELECT count(*) FROM inner_rows "
                    "WHERE inner_rows.x < outer_rows.a) AS n FROM outer_rows) q"),
            (Rows{"2000|2997000|0|2997"}));
}

TEST(SqlCorrelated, UnsupportedShapesPointAtTheirPlace) {
  SqlEngine e = engine_with_tables();
  struct Case {
    std::string sql, at, message;
  };
  const std::vector<Case> cases = {
      {"SELECT (SELECT max(v) + u.k FROM t WHERE t.v > u.k) FROM u", "u.k FROM",
       "'u.k' is a column of an enclosing query"},
      {"SELECT (SELECT count(*) FROM t WHERE t.v > u.k GROUP BY u.k) FROM u", "u.k) FROM",
       "'u.k' is a column of an enclosing query"},
      {"SELECT (SELECT count(*) FROM t WHERE t.v > u.k GROUP BY t.k HAVING count(*) > u.k) FROM u", "u.k) FROM",
       "'u.k' is a column of an enclosing query"},
      {"SELECT (SELECT v FROM t WHERE t.v > u.k LIMIT 1) FROM u", "1) FROM", "LIMIT is not supported in a correlated"},
      {"SELECT (SELECT max(v) FROM t WHERE t.v > u.k + (SELECT 1)) FROM u", "(SELECT 1)",
       "subqueries are not supported in a correlated condition"},
      {"SELECT (SELECT max(v) FROM t WHERE t.v > u.w) FROM u", "> u.w", "cannot compare"},
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
