#pragma once
// Finding the columns an operator was asked for by name, with errors that name the operator, the
// role of the column and the columns there are.
#include <string>
#include <vector>

#include "analytics/table.h"

namespace nimbus::analytics::detail {

// Throws Error "group_by: no key column 'x'; the columns are: a, b".
const Column& find_column(const Table& table, const std::string& name, const char* op, const char* role);
std::vector<Column> find_columns(const Table& table, const std::vector<std::string>& names, const char* op,
                                 const char* role);

}  // namespace nimbus::analytics::detail
