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

// Note [Top rows of a window subquery]
// `SELECT ... FROM (SELECT ..., row_number() OVER (PARTITION BY p ORDER BY o)
// AS rn FROM t) s WHERE rn <= 2` (or `rn < 3`, `rn = 1`, `2 >= rn`, ANDed with
// other conditions) discards every row of the subquery past the second of its
// partition. The enclosing query finds such a condition on a column of its only
// FROM item (a subquery without an alias column list) and passes the column and
// the limit down (QueryContext::rank_limit). The subquery uses it when the
// column is exactly one of its select items, that item is a row_number() or
// rank() call, all of its window calls are row_number, rank or dense_rank over
// the same window (their values on the kept rows do not depend on the others),
// and it has no DISTINCT, LIMIT or OFFSET (which would see the other rows): its
// window calls then go to window_top_k instead of window, and its rows are the
// kept ones, in the same order. The enclosing WHERE still applies the condition
// in full, so the rows it returns are the same either way; only the work on the
// rows it would discard is saved.
struct WindowRowLimit {
  std::string call; // the limited call's JSON text
  int64_t limit = 0;
};

// Computes every window call found in `places` (select items, ORDER BY) over
// `rows`; `context` translates expressions over `rows`. SqlErrors point at what
// is not supported: named windows (WINDOW w AS ...), GROUPS frames, EXCLUDE,
// RANGE offsets, DISTINCT, FILTER, nested calls. With `limit`, the rows may be
// cut to those where the limited call is at most limit->limit, when the calls
// allow it (Note [Top rows of a window subquery]).
WindowColumns add_window_columns(const Table &rows,
                                 const std::vector<const Json *> &places,
                                 const ExprContext &context,
                                 const WindowRowLimit *limit = nullptr);

// The call's text as written, "rank() OVER (ORDER BY x)": the name DuckDB gives
// such a column.
std::string window_call_text(const Json &call, std::string_view sql);

} // namespace nimbus::analytics::sql
