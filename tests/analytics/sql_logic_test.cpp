// The sqllogictest-style file tests/analytics/data/sql/queries.test: every query's rows against the
// answers DuckDB gave on the same CSV files (bench/peers/make_sql_fixtures.py writes both). Floats
// match to 1e-9 relative; "rowsort" queries compare their rows sorted as text.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "analytics/sql/sql_engine.h"

namespace nimbus::analytics {
namespace {

const std::string kDir = std::string(NIMBUS_TEST_DATA_DIR) + "/sql";

struct LogicQuery {
  bool rowsort = false;
  std::string sql;
  std::vector<std::string> rows;
  int line = 0;
};

std::vector<LogicQuery> read_queries(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<LogicQuery> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("query ", 0) != 0) continue;
    LogicQuery q;
    q.rowsort = line.substr(6) == "rowsort";
    q.line = number;
    while (std::getline(in, line) && line != "----") {
      ++number;
      if (!q.sql.empty()) q.sql += '\n';
      q.sql += line;
    }
    ++number;
    while (std::getline(in, line) && !line.empty()) {
      ++number;
      q.rows.push_back(line);
    }
    ++number;
    out.push_back(q);
  }
  return out;
}

std::string cell_text(const Column& column, int64_t row) {
  if (column.is_null(row)) return "NULL";
  if (column.type() == DataType::boolean) return column.bool_value(row) ? "true" : "false";
  if (column.type() == DataType::string && column.string_value(row).empty()) return "(empty)";
  return column.value_text(row);
}

std::vector<std::string> rows_of(const Table& table) {
  std::vector<std::string> rows;
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    std::string row;
    for (int64_t c = 0; c < table.num_columns(); ++c) {
      if (c) row += '\t';
      row += cell_text(table.column(c), r);
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<std::string> split_tabs(const std::string& row) {
  std::vector<std::string> cells;
  std::stringstream in(row);
  std::string cell;
  while (std::getline(in, cell, '\t')) cells.push_back(cell);
  if (!row.empty() && row.back() == '\t') cells.emplace_back();
  return cells;
}

bool as_number(const std::string& s, double& value) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

bool same_cell(const std::string& expected, const std::string& actual) {
  if (expected == actual) return true;
  double e = 0, a = 0;
  if (!as_number(expected, e) || !as_number(actual, a)) return false;
  return std::abs(e - a) <= 1e-9 * std::max(1.0, std::abs(e));
}

bool same_rows(std::vector<std::string> expected, std::vector<std::string> actual, bool rowsort) {
  if (expected.size() != actual.size()) return false;
  if (rowsort) {
    std::sort(expected.begin(), expected.end());
    std::sort(actual.begin(), actual.end());
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto e = split_tabs(expected[i]), a = split_tabs(actual[i]);
    if (e.size() != a.size()) return false;
    for (size_t j = 0; j < e.size(); ++j)
      if (!same_cell(e[j], a[j])) return false;
  }
  return true;
}

std::string joined(const std::vector<std::string>& rows) {
  std::string out;
  for (const std::string& r : rows) out.append("  ").append(r).append("\n");
  return out.empty() ? "  (no rows)\n" : out;
}

TEST(SqlLogic, EveryQueryMatchesDuckDB) {
  const std::vector<LogicQuery> queries = read_queries(kDir + "/queries.test");
  EXPECT_GE(queries.size(), 150u);
  SqlEngine engine;
  for (const char* table : {"people", "orders", "cities"}) engine.register_csv(table, kDir + "/" + table + ".csv");
  int passed = 0;
  for (const LogicQuery& q : queries) {
    try {
      const std::vector<std::string> actual = rows_of(engine.query(q.sql));
      if (same_rows(q.rows, actual, q.rowsort)) {
        ++passed;
      } else {
        ADD_FAILURE() << "queries.test:" << q.line << ": " << q.sql << "\nexpected:\n"
                      << joined(q.rows) << "got:\n"
                      << joined(actual);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "queries.test:" << q.line << ": " << q.sql << "\nthrew: " << e.what();
    }
  }
  std::cout << passed << " of " << queries.size() << " queries match DuckDB\n";
}

}  // namespace
}  // namespace nimbus::analytics
