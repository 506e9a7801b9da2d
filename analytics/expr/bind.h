#pragma once
// bind_expr: resolves column names against a schema and types every node (Note [Type promotion in
// expressions] in type_rules.h), producing the BoundExpr the evaluator runs.
//
// Errors name the expression as written: "no column 'x'; the columns are: a, b", "cannot compare
// string with int32 in '(a < 3)'", "unknown function 'foo'; the functions are: ...". Type errors
// are DTypeError, unknown names Error.
//
// (Named bind_expr, not bind: an ExprPtr is a std::shared_ptr, so an unqualified bind(e, ...) would
// also find std::bind by argument-dependent lookup.)
#include "analytics/expr/bound_expr.h"
#include "analytics/table.h"

namespace nimbus::analytics {

NIMBUS_API BoundExprPtr bind_expr(const ExprPtr& expr, const Schema& schema);
NIMBUS_API BoundExprPtr bind_expr(const ExprPtr& expr, const Table& table);
NIMBUS_API Schema schema_of(const Table& table);

}  // namespace nimbus::analytics
