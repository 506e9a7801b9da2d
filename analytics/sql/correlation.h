#pragma once
// What a correlated subquery tells the query around it (Note [Decorrelated subqueries] in
// decorrelate.h): the enclosing query's side of each correlated equality, and its rows computed
// once for all outer rows, each tagged with the values of the subquery's own side; or, when it has
// other correlated conditions, that it must run again over the domain of the outer values (Note
// [Dependent joins] in dependent_join.h).
#include <string>
#include <vector>

#include "analytics/expr/expr.h"
#include "analytics/sql/pg_tree.h"
#include "analytics/sql/relation.h"
#include "analytics/table.h"

namespace nimbus::analytics::sql {

// The key columns a correlated subquery appends to its output after its own columns. Over a
// correlation domain there is one: the domain row a subquery row belongs to.
inline std::string correlation_key_name(size_t i) { return "__corr" + std::to_string(i); }
// The domain's column for the enclosing side of equality i (Correlation::outer_keys[i]).
inline std::string domain_key_name(size_t i) { return "__dkey" + std::to_string(i); }

// A column of the enclosing query named in a correlated condition other than an equality.
struct OuterColumn {
  std::vector<std::string> fields;
  int location = -1;
  std::string name;  // its column in the correlation domain
};

struct Correlation {
  // Set by the enclosing query before it runs the subquery.
  const Relation* outer = nullptr;  // the scope whose columns the subquery may name
  bool for_exists = false;          // EXISTS: a LIMIT of one row or more changes nothing
  // The distinct values of the outer side (Note [Dependent joins]): columns domain_key_name(i),
  // outer_columns[i].name and the row's number correlation_key_name(0). Set for the second run
  // of a subquery whose first run asked for it (needs_domain).
  const Table* domain = nullptr;

  // Filled by the subquery's executor. Both empty: the subquery named no outer column.
  std::vector<const Json*> outer_keys;  // the enclosing query's side of each equality, in order
  // The enclosing query's columns read by its other correlated conditions (q.id <> p.id, OR...).
  std::vector<OuterColumn> outer_columns;
  // Other correlated conditions were found while `domain` was unset: the subquery stopped after
  // reading its WHERE (its rows are empty) and must run again over the domain.
  bool needs_domain = false;
  // Aggregates without GROUP BY: one row per key, and an outer row whose key has no rows gets
  // the aggregates over no rows (count 0), which empty_group holds (the select list, one row).
  bool implicit_aggregate = false;
  Table empty_group;

  bool correlated() const { return !outer_keys.empty() || !outer_columns.empty(); }
};

}  // namespace nimbus::analytics::sql
