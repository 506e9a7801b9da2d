#pragma once
// Subqueries inside expressions (PostgreSQL's SubLink nodes):
//
//   x > (SELECT avg(x) FROM t)          scalar: one column; NULL when it returns no row, an error
//                                       when it returns more than one (as DuckDB does)
//   x IN (SELECT y FROM u), NOT IN      membership with SQL's NULL rules: NOT IN over a result that
//                                       holds a NULL is NULL for every x it does not contain
//   x op ANY/SOME/ALL (SELECT y ...)    quantified comparisons (Note [Quantified comparisons])
//   EXISTS (SELECT ... )                whether it returns a row
//
// Note [Uncorrelated subqueries]
// An uncorrelated subquery has the same answer for every row of the query around it, so it runs
// once (ExprContext::run_subquery caches it by position in the text) and its answer becomes
// constants of the expression: a literal for a scalar or EXISTS, an IN list of its distinct values
// for IN (and = ANY; NOT IN for <> ALL), its count, min and max for the other ANY/ALL comparisons.
// A subquery that names a column of the enclosing query (correlated) runs once too, with the
// correlation taken out, and is joined back to the outer rows (Note [Decorrelated subqueries] in
// decorrelate.h); the shapes that cannot be are refused with an SqlError at the place in the text,
// never answered as if they were uncorrelated.
#include <string>
#include <string_view>

#include "analytics/sql/expr_translate.h"

namespace nimbus::analytics::sql {

// The expression for a SubLink node; SqlError for the kinds not supported (ARRAY(...), row comparisons).
ExprPtr translate_sublink(const Json& sublink, const ExprContext& context);

// The text of the subquery from its position to its closing parenthesis, "(SELECT max(x) FROM t)":
// the name DuckDB gives a select item that is a scalar subquery.
std::string subquery_text(const Json& sublink, std::string_view sql);

}  // namespace nimbus::analytics::sql
