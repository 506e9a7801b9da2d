// DataFrame: chains of filter, with_column, group_by/agg, sort, head, join and select give what the
// same query gives through SQL on the same data; columns that a step does not change are shared.
#include <gtest/gtest.h>

#include "analytics/dataframe.h"
#include "analytics/expr/expr_builders.h"
#include "analytics/sql/sql_engine.h"

namespace nimbus::analytics {
namespace {

using namespace analytics::expr;

const std::string kDir = std::string(NIMBUS_TEST_DATA_DIR) + "/sql";

TEST(DataFrame, ChainsMatchTheSameQueryInSql) {
  const DataFrame orders = DataFrame::read_csv(kDir + "/orders.csv");
  const DataFrame people = DataFrame::read_csv(kDir + "/people.csv");
  const Table chained = orders.filter(is_not_null(col("amount")))
                            .with_column("doubled", mul(col("amount"), lit(2.0)))
                            .join(people, {"person_id"}, {"id"})
                            .group_by({"city"})
                            .agg({sum("doubled", "total"), count_star("n"), max("item", "last_item")})
                            .sort({{"total", true}})
                            .head(2)
                            .table();
  SqlEngine sql;
  sql.register_csv("orders", kDir + "/orders.csv");
  sql.register_csv("people", kDir + "/people.csv");
  const Table expected = sql.query(
      "SELECT city, sum(amount * 2.0) AS total, count(*) AS n, max(item) AS last_item FROM orders o JOIN people p "
      "ON o.person_id = p.id WHERE amount IS NOT NULL GROUP BY city ORDER BY total DESC LIMIT 2");
  EXPECT_TRUE(chained.equals(expected)) << chained.to_string() << "\n" << expected.to_string();
}

TEST(DataFrame, StepsShareTheColumnsTheyDoNotChange) {
  const DataFrame people = DataFrame::read_csv(kDir + "/people.csv");
  const DataFrame more = people.with_column("age2", mul(col("age"), lit(2)));
  EXPECT_EQ(more.table().column("name").data().data(), people.table().column("name").data().data());
  EXPECT_EQ(more.columns().back(), "age2");
  const DataFrame replaced = more.with_column("age", add(col("age"), lit(1)));
  EXPECT_EQ(replaced.columns(), more.columns()) << "a column of the same name is replaced in place";
  EXPECT_EQ(replaced.table().column("age").value<int32_t>(0), 35);
  const DataFrame picked = people.select({col("id"), call("upper", {col("name")})}, {"", "shout"});
  EXPECT_EQ(picked.columns(), (std::vector<std::string>{"id", "shout"}));
  EXPECT_EQ(people.head(3).num_rows(), 3);
  EXPECT_EQ(people.select({"city"}).distinct().num_rows(), 5);  // Paris, Berlin, NULL, Rome, rome
}

TEST(DataFrame, ErrorsNameWhatIsWrong) {
  const DataFrame people = DataFrame::read_csv(kDir + "/people.csv");
  try {
    people.filter(gt(col("agee"), lit(3)));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no column 'agee'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(people.head(-1), ShapeError);
  EXPECT_THROW(people.select({col("id")}, {"a", "b"}), ShapeError);
}

}  // namespace
}  // namespace nimbus::analytics
