#include "analytics/sql/quantified.h"

#include "analytics/expr/expr_builders.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics::sql {

using namespace analytics::expr;

namespace {

// The comparison an operator name of ANY/ALL stands for ("=", "<>", "!=", "<", ...); false when
// the name is not one.
bool quantified_operator(const std::string& name, BinaryOp& op) {
  if (name == "=") op = BinaryOp::equal;
  else if (name == "<>" || name == "!=") op = BinaryOp::not_equal;
  else if (name == "<") op = BinaryOp::less;
  else if (name == "<=") op = BinaryOp::less_equal;
  else if (name == ">") op = BinaryOp::greater;
  else if (name == ">=") op = BinaryOp::greater_equal;
  else return false;
  return true;
}

}  // namespace

QuantifiedSublink read_quantified_sublink(const Json& sublink, const ExprContext& c, int location) {
  const Json& body = node_body(sublink);
  QuantifiedSublink q;
  q.all = body.value("subLinkType", "") == "ALL_SUBLINK";
  const std::vector<std::string> names = string_list(field(body, "operName"));
  // x IN (SELECT ...) arrives without an operator name: its comparison stays =.
  if (!names.empty() && !quantified_operator(names.back(), q.op)) {
    std::string message = "operator '";
    message.append(names.back()).append("' is not supported with ANY/ALL");
    throw SqlError(message, c.sql, location);
  }
  if (node_type(body["testexpr"]) == "RowExpr")
    throw SqlError("IN (subquery) takes one value on its left, not a row", c.sql, location);
  q.x = translate_expr(body["testexpr"], c);
  return q;
}

namespace {

// Whether x op v holds for some non-NULL v (Note [Quantified comparisons]).
ExprPtr holds_for_some(BinaryOp op, const ExprPtr& x, const ValueSetSummary& v) {
  switch (op) {
    case BinaryOp::equal: return v.contains;
    case BinaryOp::not_equal: return or_(ne(x, v.min), ne(x, v.max));
    case BinaryOp::less: return lt(x, v.max);
    case BinaryOp::less_equal: return le(x, v.max);
    case BinaryOp::greater: return gt(x, v.min);
    default: return ge(x, v.min);
  }
}

BinaryOp negated(BinaryOp op) {
  switch (op) {
    case BinaryOp::equal: return BinaryOp::not_equal;
    case BinaryOp::not_equal: return BinaryOp::equal;
    case BinaryOp::less: return BinaryOp::greater_equal;
    case BinaryOp::less_equal: return BinaryOp::greater;
    case BinaryOp::greater: return BinaryOp::less_equal;
    default: return BinaryOp::less;
  }
}

}  // namespace

ExprPtr quantified_comparison(BinaryOp op, bool all, const ExprPtr& x, const ValueSetSummary& values) {
  // ALL fails where the negated comparison holds for some value; ANY succeeds where it holds.
  const ExprPtr decided = holds_for_some(all ? negated(op) : op, x, values);
  // A CASE condition that is NULL counts as not met, so a NULL min/max (no non-NULL value) falls
  // through to the NULL-in-the-set test.
  return case_when({{eq(values.rows, lit(int64_t{0})), lit(all)},
                    {is_null(x), null_literal()},
                    {decided, lit(!all)},
                    {lt(values.non_null, values.rows), null_literal()}},
                   lit(all));
}

}  // namespace nimbus::analytics::sql
