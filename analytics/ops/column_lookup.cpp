#include "analytics/ops/column_lookup.h"

namespace nimbus::analytics::detail {

const Column& find_column(const Table& table, const std::string& name, const char* op, const char* role) {
  const auto index = table.find(name);
  if (!index) {
    std::string names;
    for (const std::string& existing : table.names()) names += (names.empty() ? "" : ", ") + existing;
    NIMBUS_THROW(Error, op, ": no ", role, " '", name, "'; the columns are: ", names.empty() ? "(none)" : names);
  }
  return table.column(*index);
}

std::vector<Column> find_columns(const Table& table, const std::vector<std::string>& names, const char* op,
                                 const char* role) {
  std::vector<Column> columns;
  columns.reserve(names.size());
  for (const std::string& name : names) columns.push_back(find_column(table, name, op, role));
  return columns;
}

}  // namespace nimbus::analytics::detail
