#include "analytics/sql/subqueries.h"

#include "analytics/expr/expr_builders.h"
#include "analytics/expr/value.h"
#include "analytics/ops/distinct.h"
#include "analytics/ops/group_by.h"
#include "analytics/sql/cell_values.h"
#include "analytics/sql/decorrelate.h"
#include "analytics/sql/quantified.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics::sql {

namespace {

// The subquery's rows, which must have one column (for a scalar, IN, ANY or ALL).
Table one_column_rows(const SubqueryRows& sub, const Json& sublink, const ExprContext& c) {
  if (sub.rows.num_columns() != 1) {
    std::string message = "subquery returns ";
    message.append(std::to_string(sub.rows.num_columns())).append(" columns - expected 1");
    throw SqlError(message, c.sql, node_location(sublink));
  }
  return sub.rows;
}

// x IN (the rows' distinct values), as an IN list of constants.
ExprPtr in_rows(const ExprPtr& value, const Table& rows) {
  // Distinct values only: an IN list is checked item by item, and duplicates change nothing.
  const Table values = distinct(rows);
  // x IN (no rows) is false even for a NULL x, as SQL defines it.
  if (values.num_rows() == 0) return expr::lit(false);
  std::vector<ExprPtr> items;
  items.reserve(static_cast<size_t>(values.num_rows()));
  for (int64_t r = 0; r < values.num_rows(); ++r) items.push_back(expr::lit(cell_value(values.column(0), r)));
  return expr::in_list(value, std::move(items));
}

// x op ANY/ALL over constant rows (Note [Quantified comparisons]): = ANY is IN and <> ALL is
// NOT IN; the others compare with the rows' min or max.
ExprPtr quantified_over_rows(const Json& sublink, const Table& rows, const ExprContext& c) {
  const auto [op, all, x] = read_quantified_sublink(sublink, c, node_location(sublink));
  if (op == BinaryOp::equal && !all) return in_rows(x, rows);
  if (op == BinaryOp::not_equal && all) return expr::not_(in_rows(x, rows));
  const std::string column = rows.names()[0];
  const Table summary = group_by(rows, {},
                                 {{.function = AggregateFunction::count_star, .output = "rows"},
                                  {.function = AggregateFunction::count, .input = column, .output = "non_null"},
                                  {.function = AggregateFunction::min, .input = column, .output = "min"},
                                  {.function = AggregateFunction::max, .input = column, .output = "max"}});
  ValueSetSummary values;
  values.rows = expr::lit(cell_value(summary.column("rows"), 0));
  values.non_null = expr::lit(cell_value(summary.column("non_null"), 0));
  values.min = expr::lit(cell_value(summary.column("min"), 0));
  values.max = expr::lit(cell_value(summary.column("max"), 0));
  return quantified_comparison(op, all, x, values);
}

}  // namespace

ExprPtr translate_sublink(const Json& sublink, const ExprContext& c) {
  const Json& body = node_body(sublink);
  const std::string kind = body.value("subLinkType", "");
  const int location = node_location(sublink);
  if (kind != "EXPR_SUBLINK" && kind != "EXISTS_SUBLINK" && kind != "ANY_SUBLINK" && kind != "ALL_SUBLINK") {
    std::string message = "this kind of subquery (";
    message.append(kind).append(") is not supported");
    throw SqlError(message, c.sql, location);
  }
  if (!c.run_subquery) throw SqlError("subqueries are not supported in " + c.clause, c.sql, location);
  const SubqueryRows sub = c.run_subquery(sublink);
  if (sub.correlation) return translate_correlated_sublink(sublink, sub, c);
  if (kind == "EXISTS_SUBLINK") return expr::lit(sub.rows.num_rows() > 0);
  const Table rows = one_column_rows(sub, sublink, c);
  if (kind == "EXPR_SUBLINK") {
    if (rows.num_rows() > 1)
      throw SqlError("more than one row returned by a subquery used as an expression", c.sql, location);
    const Column& column = rows.column(0);
    return expr::lit(rows.num_rows() == 0 ? Value::null(column.type()) : cell_value(column, 0));
  }
  return quantified_over_rows(sublink, rows, c);
}

std::string subquery_text(const Json& sublink, std::string_view sql) {
  const int location = node_location(sublink);
  if (location < 0 || static_cast<size_t>(location) >= sql.size()) return "(subquery)";
  size_t i = static_cast<size_t>(location);
  int depth = 0;
  bool opened = false;
  char quote = 0;
  for (; i < sql.size(); ++i) {
    const char ch = sql[i];
    if (quote) {
      if (ch == quote) quote = 0;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
    } else if (ch == '(') {
      ++depth;
      opened = true;
    } else if (ch == ')' && --depth == 0 && opened) {
      break;
    }
  }
  return std::string(sql.substr(static_cast<size_t>(location), i + 1 - static_cast<size_t>(location)));
}

}  // namespace nimbus::analytics::sql
