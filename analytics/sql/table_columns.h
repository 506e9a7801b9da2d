#pragma once
// A table edit the SQL executor makes while it builds a query's rows.
#include <string>
#include <vector>

#include "analytics/table.h"

namespace nimbus::analytics::sql {

// `table` with `column` appended under `name`; buffers are shared, nothing is copied.
inline Table with_column(const Table& table, const std::string& name, const Column& column) {
  std::vector<std::string> names = table.names();
  std::vector<Column> columns = table.columns();
  names.push_back(name);
  columns.push_back(column);
  return Table(names, columns);
}

}  // namespace nimbus::analytics::sql
