// Note [Top rows of a window subquery]: queries that filter a subquery's
// row_number() or rank() column give the same table as the same queries written
// so that the subquery computes every row (the condition on `rn + 0`, which the
// plan does not recognise), on random tables with NULLs and ties.
#include <gtest/gtest.h>

#include "analytics/sql/sql_engine.h"
#include "ops_test_tables.h"

namespace nimbus::analytics {
namespace {

using namespace test;

// `sql` with every "{rn}" replaced by `rn`.
std::string with_column(std::string sql, const std::string &rn) {
  for (size_t at = sql.find("{rn}"); at != std::string::npos;
       at = sql.find("{rn}", at + rn.size()))
    sql.replace(at, 4, rn);
  return sql;
}

TEST(SqlWindowTopRows, SameRowsAsComputingEveryRow) {
  SqlEngine engine;
  engine.register_table("small", random_table(400, 5, 9));
  engine.register_table("big", random_table(150000, 6, 3000));
  const std::vector<std::string> queries = {
      // The db-benchmark shape, and its variants of the condition.
      "SELECT k_int, v_float FROM (SELECT k_int, v_float, row_number() OVER "
      "(PARTITION BY k_int ORDER BY v_float DESC) AS rn FROM {t} WHERE v_float "
      "IS NOT NULL) s WHERE {rn} <= 2",
      "SELECT * FROM (SELECT k_int, v_int, row_number() OVER (PARTITION BY "
      "k_int ORDER BY v_int NULLS FIRST) AS rn FROM {t}) s WHERE {rn} < 4",
      "SELECT * FROM (SELECT k_str, v_int, v_date, row_number() OVER "
      "(PARTITION BY k_str ORDER BY v_int, v_date DESC) AS rn FROM {t}) s "
      "WHERE {rn} = 1",
      "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY k_small "
      "ORDER BY v_str) AS rn FROM {t}) AS s WHERE 3 >= s.{rn} AND v_int > 0",
      // rank keeps the ties with the last row; dense_rank rides along.
      "SELECT * FROM (SELECT k_int, k_small, rank() OVER (PARTITION BY k_int "
      "ORDER BY k_small) AS rn, dense_rank() OVER (PARTITION BY k_int ORDER BY "
      "k_small) AS d FROM {t}) s WHERE {rn} <= 2",
      // No PARTITION BY; an ORDER BY in the subquery; a grouped subquery.
      "SELECT * FROM (SELECT v_int, row_number() OVER (ORDER BY v_int DESC) "
      "AS rn FROM {t}) s WHERE {rn} <= 5",
      "SELECT * FROM (SELECT k_int, v_float, row_number() OVER (PARTITION BY "
      "k_int ORDER BY v_float) AS rn FROM {t} ORDER BY v_float) s WHERE {rn} "
      "<= 2",
      "SELECT * FROM (SELECT k_small, k_str, count(*) AS n, row_number() OVER "
      "(PARTITION BY k_small ORDER BY count(*) DESC) AS rn FROM {t} GROUP BY "
      "k_small, k_str) s WHERE {rn} <= 2",
      // Shapes left as they are: another window, DISTINCT, LIMIT.
      "SELECT * FROM (SELECT k_int, v_int, row_number() OVER (PARTITION BY "
      "k_int ORDER BY v_int) AS rn, sum(v_int) OVER (PARTITION BY k_int) AS "
      "total FROM {t}) s WHERE {rn} <= 2",
      "SELECT * FROM (SELECT DISTINCT k_small, row_number() OVER (PARTITION BY "
      "k_small ORDER BY v_int) AS rn FROM {t}) s WHERE {rn} <= 3",
      "SELECT * FROM (SELECT k_int, row_number() OVER (PARTITION BY k_int "
      "ORDER BY v_int) AS rn FROM {t} LIMIT 50) s WHERE {rn} <= 2",
  };
  for (const std::string table : {"small", "big"}) {
    for (std::string sql : queries) {
      sql.replace(sql.find("{t}"), 3, table);
      SCOPED_TRACE(sql);
      const Table fast = engine.query(with_column(sql, "rn"));
      const Table full = engine.query(with_column(sql, "rn + 0"));
      ASSERT_GT(full.num_rows(), 0);
      EXPECT_TRUE(fast.equals(full))
          << fast.num_rows() << " rows, " << full.num_rows() << " expected";
    }
  }
}

} // namespace
} // namespace nimbus::analytics
