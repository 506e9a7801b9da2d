#pragma once
// One cell of a column as a Value, and a Value appended to a column: how query results become
// constants of an expression (subqueries run once) and constants become columns (VALUES lists).
#include "analytics/column.h"
#include "analytics/column_builder.h"
#include "analytics/expr/value.h"

namespace nimbus::analytics::sql {

Value cell_value(const Column& column, int64_t row);
// `value` must have the builder's type (or be NULL).
void append_value(ColumnBuilder& builder, const Value& value);

}  // namespace nimbus::analytics::sql
