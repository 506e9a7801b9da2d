#include "analytics/sql/quantified.h"

#include "analytics/expr/expr_builders.h"

namespace nimbus::analytics::sql {

using namespace analytics::expr;

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
