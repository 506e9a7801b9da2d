#pragma once
// UNION [ALL], INTERSECT [ALL] and EXCEPT [ALL], with DuckDB's semantics: the operands must have
// as many columns, each column takes the common type of its two sides (the promotions of
// Note [Type promotion in expressions]; a bare NULL takes the other side's type) and the left
// side's name; the set versions return distinct rows, NULLs counting as equal as in DISTINCT; the
// ALL versions of INTERSECT and EXCEPT count duplicates (a row twice on the left and once on the
// right is once in INTERSECT ALL and once in EXCEPT ALL). ORDER BY, LIMIT and OFFSET written after
// the last operand apply to the whole result, by output name, position or an expression over the
// output columns.
//
// The parser already nests chains by PostgreSQL's precedence (INTERSECT binds tighter than UNION
// and EXCEPT, which associate to the left) and keeps a parenthesized operand's own ORDER BY and
// LIMIT inside it, so each node runs its two operands as queries of their own.
//
// Rows come in a defined order even where SQL leaves it open: UNION ALL the left rows then the
// right, UNION in order of first appearance, INTERSECT and EXCEPT in the left side's order.
#include "analytics/sql/query_context.h"

namespace nimbus::analytics::sql {

// Runs a SelectStmt body whose "op" is SETOP_UNION, SETOP_INTERSECT or SETOP_EXCEPT.
QueryResult run_set_operation(const Json& select, QueryContext context);

}  // namespace nimbus::analytics::sql
