#include "analytics/sql/decorrelate.h"

#include <algorithm>

#include "analytics/column_builder.h"
#include "analytics/expr/evaluate.h"
#include "analytics/expr/expr_builders.h"
#include "analytics/ops/group_by.h"
#include "analytics/ops/join.h"
#include "analytics/ops/take.h"
#include "analytics/sql/dependent_join.h"
#include "analytics/sql/quantified.h"
#include "analytics/sql/sql_error.h"
#include "analytics/sql/table_columns.h"

namespace nimbus::analytics::sql {

namespace {

// `column` added to the rows the expression is evaluated over; the reference to it.
ExprPtr add_answer_column(const ExprContext& c, const Column& column) {
  Table& rows = *c.rows;
  const std::string name = "__subquery" + std::to_string(rows.num_columns());
  rows = with_column(rows, name, column);
  return expr::col(name);
}

// The correlation keys: `outer` holds the enclosing side computed over the outer rows, `inner` the
// subquery's key columns, both under the names in `names` and of one type per key.
struct Keys {
  std::vector<std::string> names;
  std::vector<Column> outer, inner;
  Table outer_table(std::vector<std::string> extra_names = {}, std::vector<Column> extra = {}) const {
    return table_of(outer, std::move(extra_names), std::move(extra));
  }
  Table inner_table(std::vector<std::string> extra_names = {}, std::vector<Column> extra = {}) const {
    return table_of(inner, std::move(extra_names), std::move(extra));
  }

 private:
  Table table_of(const std::vector<Column>& keys, std::vector<std::string> extra_names,
                 std::vector<Column> extra) const {
    std::vector<std::string> all = names;
    std::vector<Column> columns = keys;
    all.insert(all.end(), extra_names.begin(), extra_names.end());
    columns.insert(columns.end(), extra.begin(), extra.end());
    return Table(all, columns);
  }
};

Keys correlation_keys(const SubqueryRows& sub, const ExprContext& c) {
  Keys keys;
  const auto& outer_keys = sub.correlation->outer_keys;
  for (size_t i = 0; i < outer_keys.size(); ++i) {
    const int location = node_location(*outer_keys[i]);
    const ExprPtr e = translate_expr(*outer_keys[i], c);
    Column outer = at(c, location, [&] { return evaluate(e, *c.rows); });
    Column inner = sub.rows.column(correlation_key_name(i));
    unify_key_types(outer, inner, c.sql, location);
    keys.names.push_back("__key" + std::to_string(i));
    keys.outer.push_back(std::move(outer));
    keys.inner.push_back(std::move(inner));
  }
  return keys;
}

// The subquery's one own column (its output before the key columns).
Column own_column(const SubqueryRows& sub, const ExprContext& c, int location) {
  const auto& names = sub.rows.names();
  const int64_t own = std::find(names.begin(), names.end(), correlation_key_name(0)) - names.begin();
  if (own != 1) {
    std::string message = "subquery returns ";
    message.append(std::to_string(own)).append(" columns - expected 1");
    throw SqlError(message, c.sql, location);
  }
  return sub.rows.column(0);
}

Column marks(int64_t rows, const std::vector<int64_t>& outer_rows);

// For each outer row, whether its key has a row in the subquery (a semi join, as a mark column).
Column has_match(const Table& outer, const Table& inner, const std::vector<std::string>& keys) {
  return marks(outer.num_rows(), join_rows(outer, inner, keys, keys, JoinKind::semi).left);
}

// Outer rows marked where `outer_rows` names them.
Column marks(int64_t rows, const std::vector<int64_t>& outer_rows) {
  std::vector<uint8_t> mark(static_cast<size_t>(rows), 0);
  for (const int64_t row : outer_rows) mark[static_cast<size_t>(row)] = 1;
  ColumnBuilder builder(DataType::boolean);
  for (const uint8_t m : mark) builder.append_bool(m != 0);
  return builder.finish();
}

// A scalar subquery's value for each outer row (Note [Decorrelated subqueries]).
Column scalar_per_row(const SubqueryRows& sub, const Keys& keys, const ExprContext& c, int location) {
  const Column value = own_column(sub, c, location);
  const Table outer = keys.outer_table();
  const JoinRows pairs =
      at(c, location, [&] { return join_rows(outer, keys.inner_table(), keys.names, keys.names, JoinKind::left); });
  if (pairs.left.size() != static_cast<size_t>(outer.num_rows()))
    throw SqlError("more than one row returned by a subquery used as an expression", c.sql, location);
  const Column per_row = take(value, pairs.right);
  const Table& empty = sub.correlation->empty_group;
  if (!sub.correlation->implicit_aggregate || empty.num_rows() == 0 || empty.column(0).is_null(0)) return per_row;
  // Outer rows without a group take the aggregates over no rows (count(*) is 0 there).
  ColumnBuilder matched(DataType::boolean);
  for (const int64_t r : pairs.right) matched.append_bool(r != kNullRow);
  const Table both({"value", "matched", "empty"},
                   {per_row, matched.finish(), take(empty.column(0), std::vector<int64_t>(pairs.right.size(), 0))});
  return at(c, location, [&] {
    return evaluate(expr::case_when({{expr::col("matched"), expr::col("value")}}, expr::col("empty")), both);
  });
}

ExprPtr exists(const SubqueryRows& sub, const Keys& keys, const ExprContext& c, int location) {
  if (sub.correlation->implicit_aggregate) return expr::lit(sub.correlation->empty_group.num_rows() > 0);
  return add_answer_column(
      c, at(c, location, [&] { return has_match(keys.outer_table(), keys.inner_table(), keys.names); }));
}

// x op ANY/ALL (subquery) per outer row (Note [Quantified comparisons]).
ExprPtr quantified(const Json& sublink, const SubqueryRows& sub, const Keys& keys, const ExprContext& c,
                   int location) {
  const auto [op, all, x] = read_quantified_sublink(sublink, c, location);
  if (sub.correlation->implicit_aggregate) {
    // One row per outer row: x op ANY {v} and x op ALL {v} are both x op v.
    return expr::binary(op, x, add_answer_column(c, scalar_per_row(sub, keys, c, location)));
  }
  Column value = own_column(sub, c, location);
  ValueSetSummary summary;
  const bool membership = (op == BinaryOp::equal && !all) || (op == BinaryOp::not_equal && all);
  // Per key: how many values, how many not NULL, their min and max; left-joined to the outer rows.
  std::vector<Aggregate> aggregates = {
      {.function = AggregateFunction::count_star, .output = "__rows"},
      {.function = AggregateFunction::count, .input = "__value", .output = "__non_null"}};
  if (!membership) {
    aggregates.push_back({.function = AggregateFunction::min, .input = "__value", .output = "__min"});
    aggregates.push_back({.function = AggregateFunction::max, .input = "__value", .output = "__max"});
  }
  // The values' summary per key, and each outer row's key's summary.
  const Table per_group = at(c, location, [&] {
    return group_by(keys.inner_table({"__value"}, {value}), keys.names, aggregates);
  });
  const std::vector<int64_t> group_of_row = at(c, location, [&] {
    return join_rows(keys.outer_table(), per_group, keys.names, keys.names, JoinKind::left);
  }).right;
  const auto answer = [&](const std::string& name) {
    return add_answer_column(c, take(per_group.column(name), group_of_row));
  };
  summary.rows = expr::coalesce({answer("__rows"), expr::lit(int64_t{0})});
  summary.non_null = expr::coalesce({answer("__non_null"), expr::lit(int64_t{0})});
  if (!membership) {
    summary.min = answer("__min");
    summary.max = answer("__max");
  } else {
    // x's membership in its key's values: a semi join on (key, x) = (key, value).
    Column x_column = at(c, location, [&] { return evaluate(x, *c.rows); });
    unify_key_types(x_column, value, c.sql, location);
    const Table outer = keys.outer_table({"__value"}, {x_column});
    const Table inner = keys.inner_table({"__value"}, {value});
    std::vector<std::string> on = keys.names;
    on.push_back("__value");
    summary.contains = add_answer_column(c, at(c, location, [&] { return has_match(outer, inner, on); }));
  }
  return quantified_comparison(op, all, x, summary);
}

}  // namespace

ExprPtr translate_correlated_sublink(const Json& sublink, const SubqueryRows& sub, const ExprContext& c) {
  const int location = node_location(sublink);
  if (c.rows == nullptr) {
    std::string message = "correlated subqueries are not supported in ";
    message.append(c.clause);
    throw SqlError(message, c.sql, location);
  }
  const std::string kind = node_body(sublink).value("subLinkType", "");
  if (kind != "EXISTS_SUBLINK" && kind != "EXPR_SUBLINK" && kind != "ANY_SUBLINK" && kind != "ALL_SUBLINK") {
    std::string message = "this kind of subquery (";
    message.append(kind).append(") is not supported");
    throw SqlError(message, c.sql, location);
  }
  SubqueryRows run = sub;
  Keys keys;
  if (sub.correlation->needs_domain) {
    // Over the distinct outer values, keyed by each one's number (Note [Dependent joins]).
    const OuterDomain domain = correlation_domain(*sub.correlation, c);
    run = sub.over_domain(domain.domain);
    keys.names = {"__key0"};
    keys.outer = {domain.row_domain};
    keys.inner = {run.rows.column(correlation_key_name(0))};
  } else {
    keys = correlation_keys(sub, c);
  }
  if (kind == "EXISTS_SUBLINK") return exists(run, keys, c, location);
  if (kind == "EXPR_SUBLINK") return add_answer_column(c, scalar_per_row(run, keys, c, location));
  return quantified(sublink, run, keys, c, location);
}

}  // namespace nimbus::analytics::sql
