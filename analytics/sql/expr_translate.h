#pragma once
// PostgreSQL expression nodes (pg_tree.h) to our expression trees (analytics/expr/expr.h).
//
// Column references are resolved by the caller (scopes, qualified names and GROUP BY belong to the
// statement, not to the expression), and so are aggregate and window calls: the `substitute` hook
// runs first at every node and may replace it whole (an aggregate by a reference to its result
// column, a GROUP BY expression by its key column). Errors are SqlErrors pointing at the node.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analytics/expr/expr.h"
#include "analytics/sql/correlation.h"
#include "analytics/sql/pg_tree.h"
#include "analytics/table.h"

namespace nimbus::analytics::sql {

// The rows of a subquery in an expression; `correlation` is null when it names no column of the
// query around it, else it says how its rows relate to the outer rows (decorrelate.h).
struct SubqueryRows {
  Table rows;
  std::shared_ptr<const Correlation> correlation;
  // When correlation->needs_domain: the subquery run again over a correlation domain (Note
  // [Dependent joins] in dependent_join.h).
  std::function<SubqueryRows(const Table& domain)> over_domain;
};

struct ExprContext {
  std::string_view sql;  // the query text, for error positions and literal text
  // The expression for a column reference (fields: ["x"] or ["t", "x"]); throws SqlError.
  std::function<ExprPtr(const std::vector<std::string>& fields, int location)> column;
  // A replacement for `node`, or nullptr to translate it normally.
  std::function<ExprPtr(const Json& node)> substitute;
  // Where the expression sits ("WHERE", "GROUP BY"...), for "aggregate functions are not allowed
  // in WHERE".
  std::string clause;
  // The rows of a subquery in an expression (a SubLink node), run once however often the
  // expression is translated; unset where subqueries are not allowed. See subqueries.h.
  std::function<SubqueryRows(const Json& sublink)> run_subquery;
  // The table the translated expression will be evaluated over, where a correlated subquery adds
  // the columns of its answer (decorrelate.h); null where correlated subqueries are not supported.
  Table* rows = nullptr;
};

ExprPtr translate_expr(const Json& node, const ExprContext& context);

// The lower-case name of a FuncCall ("sum"), without a "pg_catalog" prefix.
std::string function_call_name(const Json& func_call);
// Whether `node` is a call of an aggregate function (count(*), sum(x)...) without OVER.
bool is_aggregate_call(const Json& node);
bool is_window_call(const Json& node);
// Whether an aggregate or window call appears anywhere inside `node`, outside its subqueries (their
// calls belong to them: SELECT (SELECT max(x) FROM t) is not an aggregate query).
bool contains_aggregate(const Json& node);
bool contains_window(const Json& node);

// An SQL type name (["pg_catalog", "int8"], ["date"], ...) as our type; SqlError for others.
DataType type_from_names(const std::vector<std::string>& names, std::string_view sql, int location);

}  // namespace nimbus::analytics::sql
