#pragma once
// The FROM clause: table names, read_csv('path'), "path.csv", subqueries and joins, as one
// Relation. Several items (FROM a, b) are a cross join; no FROM clause is one row of no columns.
#include "analytics/sql/query_context.h"
#include "analytics/sql/relation.h"

namespace nimbus::analytics::sql {

Relation build_from(const Json& from_clause, const QueryContext& context);

}  // namespace nimbus::analytics::sql
