#pragma once
// Correlated subqueries whose conditions on the enclosing query's columns are not just equalities,
// run once over the distinct outer values (a dependent join) rather than once per outer row.
//
// Note [Dependent joins]
// Equalities alone (t2.k = t1.k) let a subquery run without the outer rows: its key column t2.k
// groups and joins (Note [Decorrelated subqueries] in decorrelate.h). Any other correlated
// condition (t2.x < t1.a, t2.s <> t1.s, t2.v BETWEEN t1.lo AND t1.hi, an OR) needs the outer
// values while the subquery runs, and an aggregate or DISTINCT over the rows that meet it can only
// be computed after it. As DuckDB does (Neumann and Kemper, "Unnesting Arbitrary Queries"):
//
//   1. The subquery's first run reads its WHERE, records the outer side of each equality and the
//      outer columns its other correlated conditions read, and stops (Correlation::needs_domain).
//   2. The enclosing query computes those values over its rows and keeps the distinct ones: the
//      correlation domain D, each row numbered ("__corr0"), and each outer row its D row's number.
//      NULLs group together here, so an outer NULL has a D row of its own.
//   3. The subquery runs again over D: its rows after its own conditions are joined with D on the
//      equalities (a hash join; a cross product when there are none), and its other correlated
//      conditions filter those pairs with SQL's comparison semantics (t2.x < NULL holds for no
//      row). The result is an ordinary subquery of the rows of every D row at once, keyed by
//      "__corr0": GROUP BY, aggregates, HAVING, DISTINCT and the select list run as written, with
//      "__corr0" as one more GROUP BY key and one more DISTINCT column.
//   4. The enclosing query joins each outer row's D number with "__corr0" as it joins equality
//      keys, so EXISTS, IN, ANY/ALL and scalars, and the COUNT rule for a D row without inner
//      rows (count(*) is 0, sum is NULL: Correlation::empty_group), are the equality path's.
//      Joining on the D number rather than on the values is what makes it NULL-safe: the outer
//      row with a NULL meets its own D row's answer, even where the condition found rows for it
//      (t1.a IS NULL OR t2.x < t1.a).
//
// Why this is cheap: N outer rows with |D| distinct values cost one grouping of the N rows and one
// join back, while the conditions are evaluated once per (inner row, D row) pair that meets the
// equalities: at most |D| x |inner|, never N x |inner|; duplicate outer values share their work.
// The conditions first read only their own columns of those pairs; the subquery's whole rows are
// gathered for the pairs that pass. Blocks: the candidate pairs are tested about a million at a
// time, and without an equality (every pair a candidate) they are also made a block at a time, so
// memory holds the pairs that pass rather than |D| x |inner| of them.
#include <string_view>
#include <vector>

#include "analytics/sql/expr_translate.h"

namespace nimbus::analytics::sql {

// The correlation domain over the outer rows (step 2): `domain` holds one row per distinct
// combination of the outer values (columns domain_key_name(i) and outer_columns[i].name, and
// the row's number correlation_key_name(0)), `row_domain` each outer row's number there (int64).
struct OuterDomain {
  Table domain;
  Column row_domain;
};
OuterDomain correlation_domain(const Correlation& correlation, const ExprContext& outer);

// The subquery's side of equality i: its values over the subquery's rows, and where it is written.
struct DomainEquality {
  Column inner;
  int location = -1;
};

// Step 3: every pair of a row of `rows` and a row of `domain` that meets the equalities (inner
// value = the domain's domain_key_name(i); a cross product with none) and `residual` (over the
// columns `residual_inputs` of `rows` and the domain's columns; may be null), as `rows`' columns
// plus the domain row's number correlation_key_name(0). Errors point at `location` in `sql`.
Table join_with_domain(const Table& rows, const Table& domain, std::vector<DomainEquality> equalities,
                       const ExprPtr& residual, const std::vector<std::string>& residual_inputs,
                       std::string_view sql, int location);

// Two columns brought to their common type so that they can be compared by a join; an SqlError at
// `location` when they have none.
void unify_key_types(Column& outer, Column& inner, std::string_view sql, int location);

}  // namespace nimbus::analytics::sql
