#include "analytics/sql/set_operations.h"

#include <algorithm>
#include <optional>

#include "analytics/column_builder.h"
#include "analytics/expr/evaluate.h"
#include "analytics/expr/expr_builders.h"
#include "analytics/expr/type_rules.h"
#include "analytics/ops/distinct.h"
#include "analytics/ops/group_index.h"
#include "analytics/ops/sort.h"
#include "analytics/ops/take.h"
#include "analytics/sql/expr_translate.h"
#include "analytics/sql/identifiers.h"
#include "analytics/sql/sql_error.h"
#include "analytics/sql/table_columns.h"

namespace nimbus::analytics::sql {

namespace {

enum class SetOp { union_, intersect, except };

std::string op_name(SetOp op) {
  return op == SetOp::union_ ? "UNION" : op == SetOp::intersect ? "INTERSECT" : "EXCEPT";
}

// The first plain SELECT of an operand (an operand may itself be a set operation), whose select
// list is what errors about the operand point at.
const Json& leftmost_select(const Json& select) {
  if (select.value("op", "SETOP_NONE") == "SETOP_NONE" || !select.contains("larg")) return select;
  return leftmost_select(select["larg"]);
}

// Where the operand's column `column` is written, or its first item (SELECT * has one item for
// many columns).
int item_location(const Json& operand, size_t column) {
  const Json& targets = field(leftmost_select(operand), "targetList");
  if (targets.empty()) return -1;
  for (const Json& target : targets) {
    const Json& fields = field(node_body(field(node_body(target), "val")), "fields");
    if (!fields.empty() && node_type(fields.back()) == "A_Star") return node_location(targets[0]);
  }
  return node_location(column < targets.size() ? targets[column] : targets[0]);
}

Column all_nulls(DataType type, int64_t rows) {
  ColumnBuilder builder(type);
  for (int64_t i = 0; i < rows; ++i) builder.append_null();
  return builder.finish();
}

// `side` with each column of type `types[i]`: cast, or rebuilt as NULLs of that type where it is a
// bare NULL (which may have no cast to the type: a NULL INTEGER does not cast to DATE).
Table conform(const QueryResult& side, const std::vector<DataType>& types) {
  std::vector<Column> columns;
  const Table& t = side.table;
  for (int64_t i = 0; i < t.num_columns(); ++i) {
    const Column& column = t.column(i);
    const DataType type = types[static_cast<size_t>(i)];
    if (column.type() == type) columns.push_back(column);
    else if (side.untyped_null[static_cast<size_t>(i)]) columns.push_back(all_nulls(type, t.num_rows()));
    else columns.push_back(evaluate(expr::cast(expr::col(t.names()[static_cast<size_t>(i)]), type), t));
  }
  return Table(t.names(), columns);
}

// The rows of `left` to keep for INTERSECT or EXCEPT (all: counting duplicates), in left's order.
// Rows are grouped over both sides at once, NULLs equal (Note [Key words]).
std::vector<int64_t> kept_left_rows(const Table& left, const Table& right, SetOp op, bool all) {
  const int64_t nl = left.num_rows();
  if (left.num_columns() == 0) return {};
  std::vector<Column> both;
  for (int64_t i = 0; i < left.num_columns(); ++i)
    both.push_back(concat_columns({left.column(i), right.column(i)}, left.column(i).type()));
  const detail::GroupIds groups = detail::group_keys(both, 0);
  std::vector<int64_t> right_count(static_cast<size_t>(groups.num_groups), 0);
  for (size_t r = static_cast<size_t>(nl); r < groups.group_of_row.size(); ++r)
    ++right_count[static_cast<size_t>(groups.group_of_row[r])];
  std::vector<int64_t> seen(static_cast<size_t>(groups.num_groups), 0);  // left rows so far, per group
  std::vector<int64_t> kept;
  for (int64_t r = 0; r < nl; ++r) {
    const auto g = static_cast<size_t>(groups.group_of_row[static_cast<size_t>(r)]);
    const int64_t k = seen[g]++;  // this row is the k-th of its group on the left
    const bool keep = op == SetOp::intersect ? (all ? k < right_count[g] : k == 0 && right_count[g] > 0)
                                             : (all ? k >= right_count[g] : k == 0 && right_count[g] == 0);
    if (keep) kept.push_back(r);
  }
  return kept;
}

// ORDER BY, LIMIT and OFFSET of the whole result: keys are output positions, output names or
// expressions over the output columns (computed as hidden columns, dropped at the end).
Table order_and_limit(Table rows, const Json& select, const QueryContext& c) {
  const int64_t visible = rows.num_columns();
  const Relation scope = Relation::of(rows, "");
  std::vector<SortKey> keys;
  for (const Json& sort_by : field(select, "sortClause")) {
    const Json& body = node_body(sort_by);
    const Json& node = body["node"];
    SortKey key = sort_key_order(body);
    ExprContext ec;
    ec.sql = c.sql;
    ec.clause = "ORDER BY";
    ec.column = [&](const std::vector<std::string>& fields, int location) {
      return expr::col(scope.columns[resolve_column(scope, fields, c.sql, location)].physical);
    };
    const ExprPtr e = translate_expr(node, ec);
    if (e->kind == ExprKind::literal && !e->untyped_null && is_integer(e->value.type())) {
      const int64_t k = e->value.as_int();
      if (k < 1 || k > visible) {
        std::string message = "ORDER BY position ";
        message.append(std::to_string(k)).append(" is not in the select list");
        throw SqlError(message, c.sql, node_location(node));
      }
      key.column = rows.names()[static_cast<size_t>(k - 1)];
    } else if (e->kind == ExprKind::column) {
      key.column = e->name;
    } else {
      key.column = "__order" + std::to_string(rows.num_columns());
      try {
        rows = with_column(rows, key.column, evaluate(e, rows));
      } catch (const SqlError&) {
        throw;
      } catch (const Error& error) {
        throw SqlError(error.what(), c.sql, node_location(node));
      }
    }
    keys.push_back(key);
  }
  const int64_t offset = limit_constant(select, "limitOffset", 0, c.sql);
  const int64_t limit = limit_constant(select, "limitCount", -1, c.sql);
  if (!keys.empty()) {
    const bool top = limit >= 0 && limit + offset < rows.num_rows();
    rows = top ? top_k(rows, keys, limit + offset) : sort(rows, keys);
  }
  if (offset > 0 || limit >= 0) {
    const int64_t start = std::min(offset, rows.num_rows());
    const int64_t count = limit < 0 ? rows.num_rows() - start : std::min(limit, rows.num_rows() - start);
    rows = rows.slice(start, count);
  }
  if (rows.num_columns() > visible)
    rows = rows.select(std::vector<std::string>(rows.names().begin(), rows.names().begin() + visible));
  return rows;
}

}  // namespace

QueryResult run_set_operation(const Json& select, QueryContext c) {
  define_ctes(select, c);
  const std::string kind = select.value("op", "");
  const SetOp op = kind == "SETOP_UNION" ? SetOp::union_ : kind == "SETOP_INTERSECT" ? SetOp::intersect : SetOp::except;
  const bool all = select.value("all", false);
  const Json& right_select = select["rarg"];
  const QueryResult left = run_query(select["larg"], c);
  const QueryResult right = run_query(right_select, c);

  const int64_t width = left.table.num_columns();
  if (right.table.num_columns() != width) {
    std::string message = "each ";
    message.append(op_name(op)).append(" query must have the same number of columns: the left has ");
    message.append(std::to_string(width)).append(", the right ").append(std::to_string(right.table.num_columns()));
    throw SqlError(message, c.sql, item_location(right_select, 0));
  }
  std::vector<DataType> types;
  QueryResult out;
  for (int64_t i = 0; i < width; ++i) {
    const auto u = static_cast<size_t>(i);
    const DataType a = left.table.column(i).type(), b = right.table.column(i).type();
    std::optional<DataType> type = left.untyped_null[u] ? b : right.untyped_null[u] ? a : common_type(a, b);
    if (!type) {
      std::string message = op_name(op);
      message.append(" column ").append(std::to_string(i + 1)).append(" ('").append(left.table.names()[u]);
      message.append("') is ").append(data_type_name(a)).append(" on the left and ").append(data_type_name(b));
      message.append(" on the right, which do not mix; CAST one side");
      throw SqlError(message, c.sql, item_location(right_select, u));
    }
    types.push_back(*type);
    out.untyped_null.push_back(left.untyped_null[u] && right.untyped_null[u]);
  }
  const Table l = conform(left, types), r = conform(right, types);
  if (op == SetOp::union_) {
    std::vector<Column> columns;
    for (int64_t i = 0; i < width; ++i)
      columns.push_back(concat_columns({l.column(i), r.column(i)}, types[static_cast<size_t>(i)]));
    out.table = width == 0 ? Table() : Table(l.names(), columns);
    if (!all) out.table = distinct(out.table);
  } else {
    out.table = take(l, kept_left_rows(l, r, op, all));
  }
  out.table = order_and_limit(std::move(out.table), select, c);
  return out;
}

}  // namespace nimbus::analytics::sql
