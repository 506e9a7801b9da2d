#include "analytics/dataframe.h"

#include <algorithm>

#include "analytics/csv/csv_reader.h"
#include "analytics/expr/evaluate.h"
#include "analytics/ops/distinct.h"
#include "analytics/ops/filter.h"
#include "analytics/ops/group_by.h"

namespace nimbus::analytics {

DataFrame DataFrame::read_csv(const std::string& path, const CsvReadOptions& options) {
  return DataFrame(analytics::read_csv(path, options).table);
}

DataFrame DataFrame::filter(const ExprPtr& predicate) const {
  return DataFrame(analytics::filter(table_, evaluate_predicate(predicate, table_)));
}

DataFrame DataFrame::select(const std::vector<std::string>& names) const { return DataFrame(table_.select(names)); }

DataFrame DataFrame::select(const std::vector<ExprPtr>& expressions, const std::vector<std::string>& names) const {
  NIMBUS_CHECK_T(ShapeError, names.empty() || names.size() == expressions.size(), "DataFrame::select: ",
                 expressions.size(), " expressions but ", names.size(), " names");
  std::vector<std::string> out_names;
  std::vector<Column> columns;
  for (size_t i = 0; i < expressions.size(); ++i) {
    const bool named = !names.empty() && !names[i].empty();
    out_names.push_back(named ? names[i] : expressions[i]->to_sql());
    columns.push_back(evaluate(expressions[i], table_));
  }
  return DataFrame(Table(out_names, columns));
}

DataFrame DataFrame::with_column(const std::string& name, const ExprPtr& expression) const {
  const Column value = evaluate(expression, table_);
  std::vector<std::string> names = table_.names();
  std::vector<Column> columns = table_.columns();
  const auto at = std::find(names.begin(), names.end(), name);
  if (at != names.end()) {
    columns[static_cast<size_t>(at - names.begin())] = value;
  } else {
    names.push_back(name);
    columns.push_back(value);
  }
  return DataFrame(Table(names, columns));
}

DataFrame DataFrame::rename(const std::map<std::string, std::string>& renames) const {
  return DataFrame(table_.rename(renames));
}

DataFrame DataFrame::sort(const std::vector<OrderBy>& keys) const {
  std::vector<SortKey> sort_keys;
  for (const OrderBy& k : keys) sort_keys.push_back({k.column, k.descending, k.nulls});
  return DataFrame(analytics::sort(table_, sort_keys));
}

DataFrame DataFrame::head(int64_t rows) const {
  NIMBUS_CHECK_T(ShapeError, rows >= 0, "DataFrame::head: rows must not be negative, got ", rows);
  return DataFrame(table_.slice(0, std::min(rows, table_.num_rows())));
}

DataFrame DataFrame::distinct() const { return DataFrame(analytics::distinct(table_)); }

GroupedFrame DataFrame::group_by(const std::vector<std::string>& keys) const { return GroupedFrame(table_, keys); }

DataFrame DataFrame::join(const DataFrame& right, const std::vector<std::string>& left_on,
                          const std::vector<std::string>& right_on, JoinKind kind, const std::string& suffix) const {
  JoinOptions options;
  options.suffix = suffix;
  return DataFrame(analytics::join(table_, right.table_, left_on, right_on, kind, options));
}

DataFrame GroupedFrame::agg(const std::vector<Aggregate>& aggregates) const {
  return DataFrame(group_by(table_, keys_, aggregates));
}

namespace {
Aggregate make(AggregateFunction f, std::string input, std::string output, bool distinct = false) {
  Aggregate a;
  a.function = f;
  a.input = std::move(input);
  a.output = std::move(output);
  a.distinct = distinct;
  return a;
}
}  // namespace

Aggregate count_star(std::string output) { return make(AggregateFunction::count_star, "", std::move(output)); }
Aggregate count(std::string input, std::string output) {
  return make(AggregateFunction::count, std::move(input), std::move(output));
}
Aggregate count_distinct(std::string input, std::string output) {
  return make(AggregateFunction::count, std::move(input), std::move(output), true);
}
Aggregate sum(std::string input, std::string output) {
  return make(AggregateFunction::sum, std::move(input), std::move(output));
}
Aggregate mean(std::string input, std::string output) {
  return make(AggregateFunction::avg, std::move(input), std::move(output));
}
Aggregate min(std::string input, std::string output) {
  return make(AggregateFunction::min, std::move(input), std::move(output));
}
Aggregate max(std::string input, std::string output) {
  return make(AggregateFunction::max, std::move(input), std::move(output));
}
Aggregate median(std::string input, std::string output) {
  return make(AggregateFunction::median, std::move(input), std::move(output));
}
Aggregate stddev(std::string input, std::string output) {
  return make(AggregateFunction::stddev_samp, std::move(input), std::move(output));
}

}  // namespace nimbus::analytics
