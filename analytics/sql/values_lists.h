#pragma once
// VALUES lists: rows written out in the query, as a query of their own (VALUES (1, 'a'), (2, NULL))
// or a table in FROM ((VALUES ...) AS t(id, name)).
//
// Note [VALUES column types]
// Every row must have as many items; the columns are named col0, col1, ... (DuckDB's names; an
// alias list in FROM renames them). Each item is a constant expression, evaluated once. A column's
// type is the common type of its items by the promotions of expressions (Note [Type promotion in
// expressions]): 1 and 2.5 make DOUBLE, 1 and CAST(2 AS BIGINT) make BIGINT; a bare NULL takes the
// others' type, and a string literal next to a date or timestamp is read as one, as in comparisons.
// Types that do not mix ('a' with 1) are an error at the item, as DuckDB refuses them. A column of
// bare NULLs only is an INTEGER column marked untyped, so a UNION gives it the other side's type.
#include "analytics/sql/query_context.h"

namespace nimbus::analytics::sql {

// The rows of a SelectStmt body's "valuesLists".
QueryResult values_rows(const Json& values_lists, const QueryContext& context);

}  // namespace nimbus::analytics::sql
