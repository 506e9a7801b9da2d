#include "analytics/expr/expr.h"

#include <initializer_list>

namespace nimbus::analytics {

std::string_view binary_op_text(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return "+";
    case BinaryOp::subtract: return "-";
    case BinaryOp::multiply: return "*";
    case BinaryOp::divide: return "/";
    case BinaryOp::modulo: return "%";
    case BinaryOp::equal: return "=";
    case BinaryOp::not_equal: return "<>";
    case BinaryOp::less: return "<";
    case BinaryOp::less_equal: return "<=";
    case BinaryOp::greater: return ">";
    case BinaryOp::greater_equal: return ">=";
    case BinaryOp::logical_and: return "AND";
    case BinaryOp::logical_or: return "OR";
    case BinaryOp::concat: return "||";
  }
  return "?";
}

bool is_arithmetic(BinaryOp op) { return op <= BinaryOp::modulo; }
bool is_comparison(BinaryOp op) { return op >= BinaryOp::equal && op <= BinaryOp::greater_equal; }

std::string_view sql_type_name(DataType type) {
  switch (type) {
    case DataType::boolean: return "BOOLEAN";
    case DataType::int32: return "INTEGER";
    case DataType::int64: return "BIGINT";
    case DataType::float32: return "FLOAT";
    case DataType::float64: return "DOUBLE";
    case DataType::string: return "VARCHAR";
    case DataType::date32: return "DATE";
    case DataType::timestamp: return "TIMESTAMP";
  }
  return "?";
}

namespace {

// Plain identifiers print bare; anything else is double-quoted as SQL quotes identifiers.
std::string identifier(const std::string& name) {
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (plain) return name;
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out.append("\"");
}

std::string joined(const std::vector<ExprPtr>& items, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < items.size(); ++i) out.append(i > from ? ", " : "").append(items[i]->to_sql());
  return out;
}

// Pieces appended in order (GCC 12 misreports "literal" + std::string temporaries under -Wrestrict).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

std::string case_text(const Expr& e) {
  std::string out = "CASE";
  size_t i = 0;
  if (e.has_operand) out.append(" ").append(e.children[i++]->to_sql());
  const size_t end = e.children.size() - (e.has_else ? 1 : 0);
  for (; i + 1 < end; i += 2) {
    out.append(" WHEN ").append(e.children[i]->to_sql()).append(" THEN ").append(e.children[i + 1]->to_sql());
  }
  if (e.has_else) out.append(" ELSE ").append(e.children.back()->to_sql());
  return out.append(" END");
}

}  // namespace

std::string Expr::to_sql() const {
  switch (kind) {
    case ExprKind::column: return identifier(name);
    case ExprKind::literal: return value.to_sql();
    case ExprKind::unary: {
      const std::string operand = children[0]->to_sql();
      switch (unary_op) {
        case UnaryOp::negate: return cat({"(-", operand, ")"});
        case UnaryOp::logical_not: return cat({"(NOT ", operand, ")"});
        case UnaryOp::is_null: return cat({"(", operand, " IS NULL)"});
        case UnaryOp::is_not_null: return cat({"(", operand, " IS NOT NULL)"});
      }
      return operand;
    }
    case ExprKind::binary:
      return cat({"(", children[0]->to_sql(), " ", binary_op_text(binary_op), " ", children[1]->to_sql(), ")"});
    case ExprKind::cast: return cat({"CAST(", children[0]->to_sql(), " AS ", sql_type_name(cast_type), ")"});
    case ExprKind::case_when: return case_text(*this);
    case ExprKind::coalesce: return cat({"COALESCE(", joined(children), ")"});
    case ExprKind::in_list:
      return cat({"(", children[0]->to_sql(), negated ? " NOT IN (" : " IN (", joined(children, 1), "))"});
    case ExprKind::between:
      return cat({"(", children[0]->to_sql(), negated ? " NOT BETWEEN " : " BETWEEN ", children[1]->to_sql(), " AND ",
                  children[2]->to_sql(), ")"});
    case ExprKind::function: return cat({name, "(", joined(children), ")"});
  }
  return "?";
}

}  // namespace nimbus::analytics
