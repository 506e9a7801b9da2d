#pragma once
// What executing one statement needs besides its parse tree: the text (for error positions), the
// tables it can name, and the common table expressions (WITH) defined so far.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "analytics/csv/csv_options.h"
#include "analytics/sql/pg_tree.h"
#include "analytics/table.h"

namespace nimbus::analytics::sql {

struct Catalog {
  // A registered table by name (case-insensitive), or nullopt.
  std::function<std::optional<Table>(const std::string& name)> find_table;
  // A CSV file as a table (the engine caches it by path and options).
  std::function<Table(const std::string& path, const CsvReadOptions& options)> read_csv;
};

struct QueryContext {
  std::string_view sql;
  const Catalog* catalog = nullptr;
  std::map<std::string, Table> ctes;  // WITH name AS (...), by lower-case name
};

// Runs a SelectStmt body (the object under "SelectStmt").
Table execute_select(const Json& select, QueryContext context);

}  // namespace nimbus::analytics::sql
