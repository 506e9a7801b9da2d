#pragma once
// What executing one statement needs besides its parse tree: the text (for error positions), the
// tables it can name, the common table expressions (WITH) defined so far and, inside a subquery,
// the scopes of the queries around it.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/csv/csv_options.h"
#include "analytics/ops/sort.h"
#include "analytics/sql/correlation.h"
#include "analytics/sql/pg_tree.h"
#include "analytics/sql/relation.h"
#include "analytics/table.h"

namespace nimbus::analytics::sql {

struct Catalog {
  // A registered table by name (case-insensitive), or nullopt.
  std::function<std::optional<Table>(const std::string& name)> find_table;
  // A CSV file as a table (the engine caches it by path and options).
  std::function<Table(const std::string& path, const CsvReadOptions& options)> read_csv;
};

// A subquery column the enclosing query keeps only where it is at most `limit`.
struct RankColumnLimit {
  std::string column;
  int64_t limit = 0;
};

struct QueryContext {
  std::string_view sql;
  const Catalog* catalog = nullptr;
  std::map<std::string, Table> ctes;  // WITH name AS (...), by lower-case name
  // Inside a subquery in an expression: the FROM scopes of the enclosing queries, innermost last.
  // A name that resolves only there makes the subquery correlated: supported in the shapes of
  // Note [Decorrelated subqueries] (decorrelate.h), refused with an SqlError at the name otherwise,
  // never evaluated once with a wrong answer.
  std::vector<const Relation*> outer_scopes;
  // Set for the SELECT that is itself the subquery (not for its own subqueries, CTEs or set
  // operation operands): it reports its correlation there.
  Correlation* correlation = nullptr;
  // Set for the SELECT that is the only FROM item of a query whose WHERE keeps just its rows where
  // `column` is at most `limit` (rn <= 2): it may leave out the other rows when that column is its
  // row_number() or rank() (Note [Top rows of a window subquery] in window_calls.h). Like
  // `correlation`, it is for that SELECT alone.
  std::optional<RankColumnLimit> rank_limit;
};

// A query's rows, and which of its columns are a bare NULL literal (SELECT NULL): a set operation
// gives such a column the other side's type, as a NULL takes its type from its context elsewhere.
struct QueryResult {
  Table table;
  std::vector<bool> untyped_null;  // one per column
};

// Runs a SelectStmt body (the object under "SelectStmt"): one SELECT or a set operation.
QueryResult run_query(const Json& select, QueryContext context);
inline Table execute_select(const Json& select, QueryContext context) {
  return run_query(select, std::move(context)).table;
}

// WITH name AS (...) of `select`, each run once and added to context.ctes.
void define_ctes(const Json& select, QueryContext& context);
// LIMIT (key "limitCount") or OFFSET ("limitOffset") of `select`: an integer constant, `absent`
// when missing or NULL/ALL; SqlError for anything else or a negative value.
int64_t limit_constant(const Json& select, const char* key, int64_t absent, std::string_view sql);
// The direction and NULL placement of one ORDER BY item (the body of a SortBy node); the caller
// fills in the key's column.
inline SortKey sort_key_order(const Json& sort_by_body) {
  SortKey key;
  key.descending = sort_by_body.value("sortby_dir", "") == "SORTBY_DESC";
  key.nulls = sort_by_body.value("sortby_nulls", "") == "SORTBY_NULLS_FIRST" ? NullOrder::first : NullOrder::last;
  return key;
}
// The SqlError for a reference to an enclosing query's column where the subquery may not use one
// (see QueryContext::outer_scopes), thrown at `location` when `fields` names no column of the
// query's own scope but one of an outer scope.
void refuse_outer_reference(const QueryContext& context, const std::vector<std::string>& fields, int location);

}  // namespace nimbus::analytics::sql
