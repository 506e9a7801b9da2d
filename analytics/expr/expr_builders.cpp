#include "analytics/expr/expr_builders.h"

#include <algorithm>

#include "analytics/date_time.h"
#include "runtime/error.h"

namespace nimbus::analytics::expr {

namespace {

std::shared_ptr<Expr> node(ExprKind kind, std::vector<ExprPtr> children = {}) {
  auto e = std::make_shared<Expr>();
  e->kind = kind;
  for (const ExprPtr& child : children) NIMBUS_CHECK(child != nullptr, "expression: a missing (null) operand");
  e->children = std::move(children);
  return e;
}

std::vector<ExprPtr> flatten(std::vector<std::pair<ExprPtr, ExprPtr>>& whens) {
  NIMBUS_CHECK(!whens.empty(), "CASE needs at least one WHEN");
  std::vector<ExprPtr> out;
  for (auto& [when, then] : whens) {
    out.push_back(std::move(when));
    out.push_back(std::move(then));
  }
  return out;
}

}  // namespace

ExprPtr col(std::string name) {
  auto e = node(ExprKind::column);
  e->name = std::move(name);
  return e;
}

ExprPtr lit(Value value) {
  auto e = node(ExprKind::literal);
  e->value = std::move(value);
  return e;
}
ExprPtr lit(bool value) { return lit(Value::boolean(value)); }
ExprPtr lit(int32_t value) { return lit(Value::int32(value)); }
ExprPtr lit(int64_t value) { return lit(Value::int64(value)); }
ExprPtr lit(double value) { return lit(Value::float64(value)); }
ExprPtr lit(const char* value) { return lit(Value::string(value)); }
ExprPtr lit(std::string value) { return lit(Value::string(std::move(value))); }

ExprPtr null_literal() {
  auto e = node(ExprKind::literal);
  e->untyped_null = true;
  return e;
}

ExprPtr date_lit(std::string_view text) {
  const auto days = parse_date(text);
  NIMBUS_CHECK_T(ParseError, days.has_value(), "DATE '", text, "' is not a YYYY-MM-DD date");
  return lit(Value::date32(*days));
}

ExprPtr timestamp_lit(std::string_view text) {
  const auto micros = parse_timestamp(text);
  NIMBUS_CHECK_T(ParseError, micros.has_value(), "TIMESTAMP '", text, "' is not a YYYY-MM-DD HH:MM:SS[.ffffff] timestamp");
  return lit(Value::timestamp(*micros));
}

ExprPtr unary(UnaryOp op, ExprPtr operand) {
  auto e = node(ExprKind::unary, {std::move(operand)});
  e->unary_op = op;
  return e;
}

ExprPtr binary(BinaryOp op, ExprPtr left, ExprPtr right) {
  auto e = node(ExprKind::binary, {std::move(left), std::move(right)});
  e->binary_op = op;
  return e;
}

ExprPtr cast(ExprPtr operand, DataType type) {
  auto e = node(ExprKind::cast, {std::move(operand)});
  e->cast_type = type;
  return e;
}

ExprPtr case_when(std::vector<std::pair<ExprPtr, ExprPtr>> whens, ExprPtr otherwise) {
  std::vector<ExprPtr> children = flatten(whens);
  const bool has_else = otherwise != nullptr;
  if (has_else) children.push_back(std::move(otherwise));
  auto e = node(ExprKind::case_when, std::move(children));
  e->has_else = has_else;
  return e;
}

ExprPtr case_of(ExprPtr operand, std::vector<std::pair<ExprPtr, ExprPtr>> whens, ExprPtr otherwise) {
  std::vector<ExprPtr> children{std::move(operand)};
  for (ExprPtr& child : flatten(whens)) children.push_back(std::move(child));
  const bool has_else = otherwise != nullptr;
  if (has_else) children.push_back(std::move(otherwise));
  auto e = node(ExprKind::case_when, std::move(children));
  e->has_operand = true;
  e->has_else = has_else;
  return e;
}

ExprPtr coalesce(std::vector<ExprPtr> arguments) {
  NIMBUS_CHECK(!arguments.empty(), "COALESCE needs at least one argument");
  return node(ExprKind::coalesce, std::move(arguments));
}

ExprPtr in_list(ExprPtr value, std::vector<ExprPtr> items, bool negated) {
  NIMBUS_CHECK(!items.empty(), "IN needs at least one item");
  items.insert(items.begin(), std::move(value));
  auto e = node(ExprKind::in_list, std::move(items));
  e->negated = negated;
  return e;
}

ExprPtr between(ExprPtr value, ExprPtr low, ExprPtr high, bool negated) {
  auto e = node(ExprKind::between, {std::move(value), std::move(low), std::move(high)});
  e->negated = negated;
  return e;
}

ExprPtr call(std::string name, std::vector<ExprPtr> arguments) {
  auto e = node(ExprKind::function, std::move(arguments));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  e->name = std::move(name);
  return e;
}

}  // namespace nimbus::analytics::expr
