#pragma once
// Relation: a table plus the names a query may use for its columns. A column is known by its name
// and, optionally, its table's name or alias ("t.x"); the table's own column name (the "physical"
// name) is unique within the relation even when two joined tables both have an "id".
#include <string>
#include <string_view>
#include <vector>

#include "analytics/table.h"

namespace nimbus::analytics::sql {

struct ScopeColumn {
  std::string qualifier;  // table name or alias; may be empty
  std::string name;       // the name the query uses
  std::string physical;   // the column's name in Relation::table
  bool hidden = false;    // left out of SELECT * (the right-hand copy of a USING key)
};

struct Relation {
  Table table;
  std::vector<ScopeColumn> columns;

  // Every column of `table` under `qualifier`.
  static Relation of(Table table, const std::string& qualifier);
};

// Finds the column that `fields` (["x"] or ["t", "x"]) names: exact names first, then names that
// differ only in case (SQL identifiers are case-insensitive; CSV headers keep their case). Returns
// the index into relation.columns; SqlError at `location` when none or several match.
size_t resolve_column(const Relation& relation, const std::vector<std::string>& fields, std::string_view sql,
                      int location);

// Whether `fields` names a column of the relation (no error).
bool has_column(const Relation& relation, const std::vector<std::string>& fields);
// Whether `fields` matches at least one column (several make it ambiguous, but it is still a name
// of this relation rather than of an enclosing query's).
bool names_column(const Relation& relation, const std::vector<std::string>& fields);

// `right` with its physical names renamed where they clash with the left's ("id" -> "id_2"), so
// the two tables can be joined into one with distinct column names.
Relation rename_apart(const Relation& left, Relation right);

}  // namespace nimbus::analytics::sql
