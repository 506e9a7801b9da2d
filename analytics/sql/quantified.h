#pragma once
// x op ANY (subquery), x op ALL (subquery) (SOME is ANY), op one of = <> < <= > >=, with SQL's
// three-valued logic.
//
// Note [Quantified comparisons]
// Over the subquery's values V (NULLs included):
//   x op ANY V  is false when V is empty, else NULL when x is NULL, else true when x op v for some
//               non-NULL v, else NULL when V holds a NULL, else false;
//   x op ALL V  is true when V is empty, else NULL when x is NULL, else false when x op v fails for
//               some non-NULL v, else NULL when V holds a NULL, else true.
// "For some v" needs no pass over V per x: x < some v is x < max(V), x > some v is x > min(V),
// x <> some v is x <> min(V) or x <> max(V), and x = some v is membership (IN); ALL is the same
// with the negated comparison (x < ALL V fails when x >= min(V)). So a value set is summarized
// once: its row count, non-NULL count, min, max and, for = and <>, whether it contains x; the
// answer is a CASE over those. Uncorrelated, the summary is constants; correlated, columns per outer
// row (decorrelate.h). This is how DuckDB rewrites them too (min/max aggregates and a mark join).
#include <string>

#include "analytics/expr/expr.h"
#include "analytics/sql/expr_translate.h"
#include "analytics/sql/pg_tree.h"

namespace nimbus::analytics::sql {

struct ValueSetSummary {
  ExprPtr rows;      // int64: how many values, NULLs included
  ExprPtr non_null;  // int64: how many are not NULL
  ExprPtr min, max;  // of the non-NULL values (NULL when none); unused for = and <>
  ExprPtr contains;  // bool: x equals a non-NULL value; used for = and <> only
};

// The parts of an `x op ANY|SOME|ALL (subquery)` or `x IN (subquery)` parse-tree node: the
// comparison (= for IN), whether it is ALL, and x translated in `c`. SqlError at `location` for an
// operator ANY/ALL does not take and for a row on the left.
struct QuantifiedSublink {
  BinaryOp op = BinaryOp::equal;
  bool all = false;
  ExprPtr x;
};
QuantifiedSublink read_quantified_sublink(const Json& sublink, const ExprContext& c, int location);

ExprPtr quantified_comparison(BinaryOp op, bool all, const ExprPtr& x, const ValueSetSummary& values);

}  // namespace nimbus::analytics::sql
