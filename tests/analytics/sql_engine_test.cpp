// SqlEngine beyond the DuckDB answer file: the three ways to name a table, errors that point into
// the query text, names matched without regard to case, results that share the input's buffers,
// and what is refused with a clear message.
#include <gtest/gtest.h>

#include <fstream>

#include "analytics/column_builder.h"
#include "analytics/sql/sql_engine.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics {
namespace {

const std::string kDir = std::string(NIMBUS_TEST_DATA_DIR) + "/sql";

Table numbers() {
  ColumnBuilder id(DataType::int64), label(DataType::string);
  for (int i = 1; i <= 5; ++i) {
    id.append_int64(i);
    label.append_string(i % 2 ? "odd" : "even");
  }
  return Table({"Id", "Label"}, {id.finish(), label.finish()});
}

// The message of the SqlError `sql` raises.
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

TEST(SqlEngine, NamesTablesThreeWays) {
  SqlEngine engine;
  engine.register_csv("p", kDir + "/people.csv");
  const std::string path = kDir + "/people.csv";
  for (const std::string& from : {std::string("p"), "read_csv('" + path + "')", "\"" + path + "\""}) {
    const Table t = engine.query("SELECT count(*) AS n FROM " + from);
    EXPECT_EQ(t.column("n").value<int64_t>(0), 8) << from;
  }
  // read_csv options: a delimiter and no header.
  const std::string tsv = ::testing::TempDir() + "/nimbus_sql_options.tsv";
  std::ofstream(tsv) << "1\tx\n2\ty\n";
  const Table t = engine.query("SELECT column_2 FROM read_csv('" + tsv + "', delim = '\t', header = false) ORDER BY column_1 DESC");
  EXPECT_EQ(t.column("column_2").string_value(0), "y");
}

TEST(SqlEngine, RegisteredTablesAndIdentifiersIgnoreCase) {
  SqlEngine engine;
  engine.register_table("Numbers", numbers());
  const Table t = engine.query("SELECT label, sum(id) AS total FROM NUMBERS GROUP BY LABEL ORDER BY total DESC;");
  ASSERT_EQ(t.num_rows(), 2);
  EXPECT_EQ(t.column("Label").string_value(0), "odd");  // the column keeps its own spelling
  EXPECT_EQ(t.column("total").value<int64_t>(0), 9);
  EXPECT_EQ(engine.table_names(), std::vector<std::string>{"numbers"});
}

TEST(SqlEngine, PlainColumnsShareTheInputBuffers) {
  SqlEngine engine;
  const Table input = numbers();
  engine.register_table("n", input);
  const Table t = engine.query("SELECT id, label FROM n");
  EXPECT_EQ(t.column("Id").data().data(), input.column("Id").data().data());
  // Duplicate output names stay distinct; LIMIT ALL and an OFFSET past the end.
  EXPECT_EQ(engine.query("SELECT id, id FROM n").names(), (std::vector<std::string>{"Id", "Id_1"}));
  EXPECT_EQ(engine.query("SELECT id FROM n LIMIT ALL").num_rows(), 5);
  EXPECT_EQ(engine.query("SELECT id FROM n ORDER BY id OFFSET 9").num_rows(), 0);
  EXPECT_EQ(engine.query("SELECT 1 + 2 AS three").column("three").value<int32_t>(0), 3);
}

TEST(SqlEngine, ErrorsPointIntoTheQuery) {
  SqlEngine engine;
  engine.register_table("n", numbers());
  std::string e = sql_error(engine, "SELECT id, lable FROM n");
  expect_contains(e, "no column 'lable'; the columns are: n.Id, n.Label");
  expect_contains(e, "LINE 1: SELECT id, lable FROM n\n                   ^");
  e = sql_error(engine, "SELECT id\nFROM n\nWHER id > 1");
  expect_contains(e, "syntax error at or near \"id\"");
  expect_contains(e, "LINE 3: WHER id > 1\n             ^");
  expect_contains(sql_error(engine, "SELECT * FROM nope"), "no table 'nope'");
  expect_contains(sql_error(engine, "SELECT label, id FROM n GROUP BY label"),
                  "column 'id' must appear in the GROUP BY clause or be used in an aggregate function");
  expect_contains(sql_error(engine, "SELECT id FROM n WHERE sum(id) > 1"), "aggregate function sum() is not allowed in WHERE");
  expect_contains(sql_error(engine, "SELECT sum(max(id)) FROM n"), "aggregate calls cannot be nested");
  expect_contains(sql_error(engine, "SELECT id FROM n WHERE label > 3"), "label");
  expect_contains(sql_error(engine, "SELECT frobnicate(id) FROM n"), "unknown function 'frobnicate'");
  expect_contains(sql_error(engine, "SELECT id FROM n ORDER BY 7"), "ORDER BY position 7 is not in the select list");
  expect_contains(sql_error(engine, "SELECT 1; SELECT 2"), "expected one SQL statement, got 2");
  expect_contains(sql_error(engine, "DELETE FROM n"), "only SELECT statements are supported");
  expect_contains(sql_error(engine, "SELECT id FROM n WHERE label LIKE 'o_d'"), "LIKE pattern 'o_d' is not supported");
  expect_contains(sql_error(engine, "SELECT id FROM n LIMIT -1"), "must not be negative");
  expect_contains(sql_error(engine, "SELECT * FROM n a LEFT JOIN n b ON a.id < b.id"),
                  "an outer join needs an equality condition");
  expect_contains(sql_error(engine, "SELECT id FROM n a JOIN n b ON a.id = b.id"), "column reference 'id' is ambiguous");
}

TEST(SqlEngine, SetOperationErrorsPointAtTheRightOperand) {
  SqlEngine engine;
  engine.register_table("n", numbers());
  std::string e = sql_error(engine, "SELECT id, label FROM n UNION SELECT id FROM n");
  expect_contains(e, "each UNION query must have the same number of columns: the left has 2, the right 1");
  expect_contains(e, "LINE 1: SELECT id, label FROM n UNION SELECT id FROM n\n"
                     "                                             ^");
  e = sql_error(engine, "SELECT id, label FROM n EXCEPT SELECT id, id FROM n");
  expect_contains(e, "EXCEPT column 2 ('Label') is string on the left and int64 on the right, which do not mix");
  expect_contains(e, "LINE 1: SELECT id, label FROM n EXCEPT SELECT id, id FROM n\n"
                     "                                                  ^");
  // A chain: the operand at fault is the nested one.
  expect_contains(sql_error(engine, "SELECT id FROM n UNION ALL SELECT id FROM n INTERSECT SELECT label FROM n"),
                  "INTERSECT column 1 ('Id') is int64 on the left and string on the right");
  // ORDER BY over a set operation sees its output columns only.
  expect_contains(sql_error(engine, "SELECT id FROM n UNION SELECT id FROM n ORDER BY label"),
                  "no column 'label'; the columns are: Id");
  expect_contains(sql_error(engine, "SELECT id FROM n UNION SELECT id FROM n ORDER BY 2"),
                  "ORDER BY position 2 is not in the select list");
}

TEST(SqlEngine, SetOperationsUnifyTypesAndTakeTheLeftNames) {
  SqlEngine engine;
  engine.register_table("n", numbers());
  const Table t = engine.query("SELECT id AS k, NULL AS v FROM n WHERE id < 3 UNION ALL SELECT 2.5, DATE '2024-01-31' "
                               "ORDER BY k DESC");
  EXPECT_EQ(t.names(), (std::vector<std::string>{"k", "v"}));
  EXPECT_EQ(t.column("k").type(), DataType::float64);
  EXPECT_EQ(t.column("v").type(), DataType::date32);  // the bare NULL takes the other side's type
  ASSERT_EQ(t.num_rows(), 3);
  EXPECT_EQ(t.column("k").value<double>(0), 2.5);
  EXPECT_FALSE(t.column("v").is_null(0));
  EXPECT_TRUE(t.column("v").is_null(1));
}

TEST(SqlEngine, SubqueryErrorsPointAtTheSubquery) {
  SqlEngine engine;
  engine.register_table("n", numbers());
  std::string e = sql_error(engine, "SELECT id FROM n WHERE id > (SELECT id FROM n WHERE id > 3)");
  expect_contains(e, "more than one row returned by a subquery used as an expression");
  expect_contains(e, "LINE 1: SELECT id FROM n WHERE id > (SELECT id FROM n WHERE id > 3)\n"
                     "                                    ^");
  expect_contains(sql_error(engine, "SELECT (SELECT id, label FROM n LIMIT 1)"), "subquery returns 2 columns - expected 1");
  expect_contains(sql_error(engine, "SELECT id FROM n WHERE id IN (SELECT id, label FROM n)"),
                  "subquery returns 2 columns - expected 1");
  // Correlated shapes that are refused point at the condition (more in sql_subquery_test.cpp).
  engine.register_table("m", Table({"other"}, {numbers().column("Id")}));
  e = sql_error(engine, "SELECT (SELECT max(other) FROM m WHERE other < id LIMIT 1) FROM n");
  expect_contains(e, "LIMIT is not supported in a correlated subquery");
  expect_contains(e, "LINE 1: SELECT (SELECT max(other) FROM m WHERE other < id LIMIT 1) FROM n\n"
                     "                                                                ^");
  expect_contains(sql_error(engine, "SELECT id FROM n WHERE id IN (SELECT other FROM m WHERE other = label)"),
                  "cannot compare string with int64 in a correlated subquery's condition");
  // A name in neither query is still an unknown column.
  expect_contains(sql_error(engine, "SELECT id FROM n WHERE id IN (SELECT nope FROM m)"), "no column 'nope'");
  expect_contains(sql_error(engine, "SELECT id FROM n WHERE id ~~ ALL (SELECT other FROM m)"),
                  "operator '~~' is not supported with ANY/ALL");
  expect_contains(sql_error(engine, "SELECT * FROM n a JOIN n b ON a.id = b.id AND a.id IN (SELECT other FROM m)"),
                  "subqueries are not supported in JOIN conditions");
}

TEST(SqlEngine, UncorrelatedSubqueriesRunOnce) {
  SqlEngine engine;
  engine.register_table("n", numbers());
  // The same subquery in the select list, WHERE and ORDER BY; and a subquery inside an aggregate
  // query, which its own aggregate does not make grouped.
  const Table t = engine.query("SELECT id, id - (SELECT min(id) FROM n) AS d FROM n "
                               "WHERE id > (SELECT min(id) FROM n) ORDER BY id * (SELECT -1) LIMIT 2");
  ASSERT_EQ(t.num_rows(), 2);
  EXPECT_EQ(t.column("Id").value<int64_t>(0), 5);
  EXPECT_EQ(t.column("d").value<int64_t>(1), 3);
  const Table g = engine.query("SELECT label, count(*) * (SELECT max(id) FROM n) AS x FROM n GROUP BY label "
                               "HAVING count(*) > (SELECT 2) ORDER BY label");
  ASSERT_EQ(g.num_rows(), 1);
  EXPECT_EQ(g.column("x").value<int64_t>(0), 15);
  EXPECT_EQ(engine.query("SELECT (SELECT max(id) FROM n)").names(), std::vector<std::string>{"(SELECT max(id) FROM n)"});
}

// IN over many constants (an IN subquery's distinct values) is a sorted search rather than a scan:
// the same answers, NULL rules included, as the scan of a short list.
TEST(SqlEngine, InSubqueriesWithManyValuesKeepNullRules) {
  ColumnBuilder v(DataType::int64), f(DataType::float64);
  for (int i = 0; i < 100; ++i) {
    if (i % 10 == 9) v.append_null();
    else v.append_int64(i % 40);
    f.append_float64(i == 0 ? -0.0 : i * 0.5);
  }
  SqlEngine engine;
  engine.register_table("t", Table({"v", "f"}, {v.finish(), f.finish()}));
  const auto count = [&](const std::string& sql) { return engine.query(sql).column(0).value<int64_t>(0); };
  // 20 distinct values, no NULL among them.
  EXPECT_EQ(count("SELECT count(*) FROM t WHERE v IN (SELECT v FROM t WHERE v < 20)"),
            count("SELECT count(*) FROM t WHERE v < 20"));
  EXPECT_EQ(count("SELECT count(*) FROM t WHERE v NOT IN (SELECT v FROM t WHERE v < 20)"),
            count("SELECT count(*) FROM t WHERE v >= 20"));
  // With a NULL in the subquery, NOT IN is never true and IN is true only on a match.
  EXPECT_EQ(count("SELECT count(*) FROM t WHERE v NOT IN (SELECT v FROM t)"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM t WHERE (v IN (SELECT v FROM t WHERE v < 30 OR v IS NULL)) IS NULL"),
            count("SELECT count(*) FROM t WHERE v >= 30 OR v IS NULL"));
  // -0.0 equals 0.0 in the search as in =.
  EXPECT_EQ(count("SELECT count(*) FROM t WHERE f IN (SELECT f * -1 FROM t WHERE f < 12)"), 1);
}

TEST(SqlEngine, NonEquiInnerJoinsRunAsFilteredCrossProducts) {
  SqlEngine engine;
  engine.register_table("n", numbers());
  const Table t = engine.query("SELECT a.id, b.id FROM n a JOIN n b ON a.id < b.id WHERE b.id = 3 ORDER BY 1");
  ASSERT_EQ(t.num_rows(), 2);
  EXPECT_EQ(t.column(0).value<int64_t>(1), 2);
}

}  // namespace
}  // namespace nimbus::analytics
