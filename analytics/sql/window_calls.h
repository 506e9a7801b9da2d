#pragma once
// The window calls of one SELECT (`f(...) OVER (PARTITION BY ... ORDER BY ...
// frame)`), computed as extra columns of the rows the select list sees.
//
// Note [Window calls in a SELECT]
// Window functions run after WHERE, GROUP BY and HAVING and before DISTINCT,
// ORDER BY and LIMIT, so they see the rows the select list is evaluated over:
// the input rows, or one row per group in a grouped query (where their
// arguments and keys may be aggregates, substituted by the grouped context like
// any select-list expression: rank() OVER (ORDER BY sum(v) DESC)). Like
// aggregates (Note [Aggregates in expressions] in select_executor.cpp), each
// distinct call becomes a column
// ("__win0") that the select list and ORDER BY then read in its place, so a
// call may sit inside an expression. Arguments, PARTITION BY and ORDER BY
// expressions that are not plain columns are computed into extra columns first;
// calls with the same PARTITION BY and ORDER BY share one window() run, hence
// one sort.
#include <map>
#include <string>
#include <vector>

#include "analytics/sql/expr_translate.h"
#include "analytics/table.h"

namespace nimbus::analytics::sql {

struct WindowColumns {
  Table rows; // the rows with one more column per call
  std::map<std::string, std::string>
      column_of_call; // a call's JSON text -> its column
};

// Computes every window call found in `places` (select items, ORDER BY) over
// `rows`; `context` translates expressions over `rows`. SqlErrors point at what
// is not supported: named windows (WINDOW w AS ...), GROUPS frames, EXCLUDE,
// RANGE offsets, DISTINCT, FILTER, nested calls.
WindowColumns add_window_columns(const Table &rows,
                                 const std::vector<const Json *> &places,
                                 const ExprContext &context);

// The call's text as written, "rank() OVER (ORDER BY x)": the name DuckDB gives
// such a column.
std::string window_call_text(const Json &call, std::string_view sql);

} // namespace nimbus::analytics::sql
