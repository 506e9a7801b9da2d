#pragma once
// DataFrame: the analytics engine from C++ in the style of Polars and pandas, over the same
// expressions (expr/) and operators (ops/) SQL runs on. Every step returns a new DataFrame and
// shares the columns it does not change, so chains copy only what they compute.
//
//   using namespace nimbus::analytics;
//   using namespace nimbus::analytics::expr;
//   DataFrame sales = DataFrame::read_csv("sales.csv");
//   Table top = sales.filter(gt(col("qty"), lit(0)))
//                    .with_column("revenue", mul(col("price"), col("qty")))
//                    .group_by({"region"})
//                    .agg({sum("revenue", "total"), count_star("orders")})
//                    .sort({{"total", true}})
//                    .head(3)
//                    .table();
//
// Errors are the operators' own: unknown columns name the columns there are, type errors show the
// expression.
#include <map>
#include <string>
#include <vector>

#include "analytics/csv/csv_options.h"
#include "analytics/expr/expr.h"
#include "analytics/ops/aggregate.h"
#include "analytics/ops/join.h"
#include "analytics/ops/sort.h"
#include "analytics/table.h"

namespace nimbus::analytics {

class GroupedFrame;

// A column to sort by: the name, descending or not, and where NULLs go (last by default).
struct OrderBy {
  std::string column;
  bool descending = false;
  NullOrder nulls = NullOrder::last;
};

class NIMBUS_API DataFrame {
 public:
  DataFrame() = default;
  explicit DataFrame(Table table) : table_(std::move(table)) {}
  static DataFrame read_csv(const std::string& path, const CsvReadOptions& options = {});

  const Table& table() const { return table_; }
  int64_t num_rows() const { return table_.num_rows(); }
  const std::vector<std::string>& columns() const { return table_.names(); }

  // Rows where `predicate` is true (NULL counts as false).
  DataFrame filter(const ExprPtr& predicate) const;
  // The named columns, in this order.
  DataFrame select(const std::vector<std::string>& names) const;
  // One column per expression, named by `names` (its SQL text where a name is empty).
  DataFrame select(const std::vector<ExprPtr>& expressions, const std::vector<std::string>& names = {}) const;
  // Adds a computed column, or replaces the column of that name in place.
  DataFrame with_column(const std::string& name, const ExprPtr& expression) const;
  DataFrame rename(const std::map<std::string, std::string>& renames) const;
  DataFrame sort(const std::vector<OrderBy>& keys) const;
  DataFrame head(int64_t rows) const;
  DataFrame distinct() const;
  GroupedFrame group_by(const std::vector<std::string>& keys) const;
  // Joins on equal keys; right-hand names that clash get `suffix`.
  DataFrame join(const DataFrame& right, const std::vector<std::string>& left_on,
                 const std::vector<std::string>& right_on, JoinKind kind = JoinKind::inner,
                 const std::string& suffix = "_right") const;

  // The first `rows` rows as an aligned text table.
  std::string to_string(int64_t rows = 10) const { return table_.to_string(rows); }

 private:
  Table table_;
};

// The result of group_by, waiting for its aggregates.
class NIMBUS_API GroupedFrame {
 public:
  GroupedFrame(Table table, std::vector<std::string> keys) : table_(std::move(table)), keys_(std::move(keys)) {}
  // One row per group (groups in order of first appearance): the keys, then the aggregates.
  DataFrame agg(const std::vector<Aggregate>& aggregates) const;

 private:
  Table table_;
  std::vector<std::string> keys_;
};

// Aggregate specs for agg(): the input column and the output name (DuckDB's "sum(x)" when empty).
NIMBUS_API Aggregate count_star(std::string output = "");
NIMBUS_API Aggregate count(std::string input, std::string output = "");
NIMBUS_API Aggregate count_distinct(std::string input, std::string output = "");
NIMBUS_API Aggregate sum(std::string input, std::string output = "");
NIMBUS_API Aggregate mean(std::string input, std::string output = "");
NIMBUS_API Aggregate min(std::string input, std::string output = "");
NIMBUS_API Aggregate max(std::string input, std::string output = "");
NIMBUS_API Aggregate median(std::string input, std::string output = "");
NIMBUS_API Aggregate stddev(std::string input, std::string output = "");

}  // namespace nimbus::analytics
