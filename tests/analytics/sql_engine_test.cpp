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
  expect_contains(sql_error(engine, "SELECT id FROM n UNION SELECT id FROM n"), "UNION");
  expect_contains(sql_error(engine, "SELECT id FROM n WHERE label LIKE 'o_d'"), "LIKE pattern 'o_d' is not supported");
  expect_contains(sql_error(engine, "SELECT id FROM n LIMIT -1"), "must not be negative");
  expect_contains(sql_error(engine, "SELECT * FROM n a LEFT JOIN n b ON a.id < b.id"),
                  "an outer join needs an equality condition");
  expect_contains(sql_error(engine, "SELECT id FROM n a JOIN n b ON a.id = b.id"), "column reference 'id' is ambiguous");
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
