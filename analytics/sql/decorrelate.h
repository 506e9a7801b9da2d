#pragma once
// Correlated subqueries in expressions, answered by joins rather than by a run per outer row.
//
// Note [Decorrelated subqueries]
// A subquery is correlated when its WHERE compares its own columns with the enclosing query's:
//
//   SELECT a, (SELECT max(b) FROM t2 WHERE t2.k = t1.k) FROM t1
//
// As DuckDB does, it runs once for all outer rows: the equality t2.k = t1.k is taken out of its
// WHERE, its own side t2.k becomes a key column of its output ("__corr0") and, when it
// aggregates, a GROUP BY key too; the outer side t1.k is computed over the outer rows. The answer
// for each outer row then comes from joining the outer keys with the subquery's keys:
//
//   EXISTS                 a semi join marks the outer rows whose key has a row (a mark column);
//   scalar                 a left join gives each outer row its key's value, NULL without one;
//                          two rows for one outer row are an error, as DuckDB reports it;
//   x IN, x op ANY/ALL     the subquery's values are summarized per key (count, non-NULL count,
//                          min, max: a grouped aggregate left-joined back) and x's membership is a
//                          semi join on (key, x) = (key, value); the answer is the CASE of
//                          Note [Quantified comparisons], so NOT IN over a key whose values hold a
//                          NULL is never true.
//
// An aggregate without GROUP BY has one row per outer row even where no inner row matches: the
// aggregates over no rows, so count(*) is 0 there, not NULL (DuckDB's COUNT rule, generalized:
// coalesce(max(b), 0) or count(*) + 1 get their empty-group value too). The subquery computes that
// row once (Correlation::empty_group) and outer rows whose key has no group take it. An outer NULL
// key matches nothing (t2.k = NULL is never true), so it gets the empty answer as well.
//
// Correlated conditions other than equalities (t2.v > t1.v, t2.s <> t1.s, an OR) need the outer
// values while the subquery runs: it runs over their distinct values instead, and its rows are
// keyed by the number of the outer values they belong to, which the outer rows join on just as
// here (Note [Dependent joins] in dependent_join.h).
//
// The answer becomes columns of the table the expression is evaluated over (ExprContext::rows), so
// a correlated subquery works wherever its expression is evaluated over whole rows: WHERE, the
// select list, ORDER BY, HAVING and, over grouped rows, with outer columns that are GROUP BY keys.
// Not supported, each an SqlError at the place in the text: outer columns elsewhere than the
// subquery's WHERE (its select list, GROUP BY, HAVING, JOIN ON), columns of a query two levels
// out, subqueries inside a correlated condition, LIMIT/OFFSET (except LIMIT in EXISTS), window
// functions and HAVING without GROUP BY inside it, and correlated subqueries in GROUP BY keys,
// aggregate arguments and window arguments.
#include "analytics/sql/expr_translate.h"

namespace nimbus::analytics::sql {

// The expression for a SubLink whose subquery is correlated (`subquery.correlation` set).
ExprPtr translate_correlated_sublink(const Json& sublink, const SubqueryRows& subquery, const ExprContext& context);

}  // namespace nimbus::analytics::sql
