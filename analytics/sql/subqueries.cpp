#include "analytics/sql/subqueries.h"

#include "analytics/expr/expr_builders.h"
#include "analytics/expr/value.h"
#include "analytics/ops/distinct.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics::sql {

namespace {

Value cell_value(const Column& column, int64_t row) {
  if (column.is_null(row)) return Value::null(column.type());
  switch (column.type()) {
    case DataType::boolean: return Value::boolean(column.bool_value(row));
    case DataType::int32: return Value::int32(column.value<int32_t>(row));
    case DataType::date32: return Value::date32(column.value<int32_t>(row));
    case DataType::int64: return Value::int64(column.value<int64_t>(row));
    case DataType::timestamp: return Value::timestamp(column.value<int64_t>(row));
    case DataType::float32: return Value::float32(column.value<float>(row));
    case DataType::float64: return Value::float64(column.value<double>(row));
    case DataType::string: return Value::string(std::string(column.string_value(row)));
  }
  return {};
}

// The subquery's rows, which must have one column (for a scalar or IN).
Table one_column_rows(const Json& sublink, const ExprContext& c) {
  const int location = node_location(sublink);
  if (!c.run_subquery) throw SqlError("subqueries are not supported in " + c.clause, c.sql, location);
  Table rows = c.run_subquery(sublink);
  if (rows.num_columns() != 1) {
    std::string message = "subquery returns ";
    message.append(std::to_string(rows.num_columns())).append(" columns - expected 1");
    throw SqlError(message, c.sql, location);
  }
  return rows;
}

}  // namespace

ExprPtr translate_sublink(const Json& sublink, const ExprContext& c) {
  const Json& body = node_body(sublink);
  const std::string kind = body.value("subLinkType", "");
  const int location = node_location(sublink);
  if (kind == "EXPR_SUBLINK") {
    const Table rows = one_column_rows(sublink, c);
    if (rows.num_rows() > 1)
      throw SqlError("more than one row returned by a subquery used as an expression", c.sql, location);
    const Column& column = rows.column(0);
    return expr::lit(rows.num_rows() == 0 ? Value::null(column.type()) : cell_value(column, 0));
  }
  if (kind == "EXISTS_SUBLINK") {
    if (!c.run_subquery) throw SqlError("subqueries are not supported in " + c.clause, c.sql, location);
    return expr::lit(c.run_subquery(sublink).num_rows() > 0);
  }
  if (kind == "ANY_SUBLINK") {
    // x IN (SELECT ...) arrives without an operator name; x = ANY (SELECT ...) with "=".
    const std::vector<std::string> op = string_list(field(body, "operName"));
    if (!op.empty() && op.back() != "=") {
      std::string message = "only IN (subquery) and = ANY (subquery) are supported, not ";
      message.append(op.back()).append(" ANY");
      throw SqlError(message, c.sql, location);
    }
    if (node_type(body["testexpr"]) == "RowExpr")
      throw SqlError("IN (subquery) takes one value on its left, not a row", c.sql, location);
    const ExprPtr value = translate_expr(body["testexpr"], c);
    // Distinct values only: an IN list is checked item by item, and duplicates change nothing.
    const Table rows = distinct(one_column_rows(sublink, c));
    // x IN (no rows) is false even for a NULL x, as SQL defines it.
    if (rows.num_rows() == 0) return expr::lit(false);
    std::vector<ExprPtr> items;
    items.reserve(static_cast<size_t>(rows.num_rows()));
    for (int64_t r = 0; r < rows.num_rows(); ++r) items.push_back(expr::lit(cell_value(rows.column(0), r)));
    return expr::in_list(value, std::move(items));
  }
  if (kind == "ALL_SUBLINK")
    throw SqlError("ALL (subquery) is not supported yet; compare with (SELECT min(...)) or (SELECT max(...))",
                   c.sql, location);
  std::string message = "this kind of subquery (";
  message.append(kind).append(") is not supported");
  throw SqlError(message, c.sql, location);
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
