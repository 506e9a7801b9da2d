#pragma once
// What a correlated subquery tells the query around it (Note [Decorrelated subqueries] in
// decorrelate.h): the enclosing query's side of each correlated equality, and its rows computed
// once for all outer rows, each tagged with the values of the subquery's own side.
#include <string>
#include <vector>

#include "analytics/expr/expr.h"
#include "analytics/sql/pg_tree.h"
#include "analytics/sql/relation.h"
#include "analytics/table.h"

namespace nimbus::analytics::sql {

// The key columns a correlated subquery appends to its output after its own columns.
inline std::string correlation_key_name(size_t i) { return "__corr" + std::to_string(i); }
// The subquery's columns a residual condition reads, appended to its output after the keys.
inline std::string residual_input_name(const std::string& column) { return "__in_" + column; }
// The enclosing query's column i a residual condition reads, in the pairs it is evaluated over.
inline std::string residual_outer_name(size_t i) { return "__out" + std::to_string(i); }

// A column of the enclosing query named in a residual condition.
struct OuterColumn {
  std::vector<std::string> fields;
  int location = -1;
};

struct Correlation {
  // Set by the enclosing query before it runs the subquery.
  const Relation* outer = nullptr;  // the scope whose columns the subquery may name
  bool for_exists = false;          // EXISTS: a LIMIT of one row or more changes nothing

  // Filled by the subquery's executor. Empty outer_keys: the subquery named no outer column.
  std::vector<const Json*> outer_keys;  // the enclosing query's side of each equality, in order
  // Aggregates without GROUP BY: one row per key, and an outer row whose key has no rows gets
  // the aggregates over no rows (count 0), which empty_group holds (the select list, one row).
  bool implicit_aggregate = false;
  Table empty_group;
  // Correlated conditions other than the equalities (q.id <> p.id), ANDed: an expression over the
  // subquery's columns residual_input_name(...) and the enclosing ones residual_outer_name(i)
  // (outer_columns[i]), tested on the (outer row, subquery row) pairs with equal keys. Null when
  // there are none; only a subquery without aggregates, DISTINCT or LIMIT may have them.
  ExprPtr residual;
  std::vector<OuterColumn> outer_columns;

  bool correlated() const { return !outer_keys.empty(); }
};

}  // namespace nimbus::analytics::sql
