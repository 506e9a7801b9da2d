#include "analytics/sql/sql_engine.h"

#include <cctype>

#include "analytics/csv/csv_reader.h"
#include "analytics/sql/query_context.h"
#include "analytics/sql/identifiers.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics {

namespace {

// The options that change what a read gives, as part of the cache key.
std::string cache_key(const std::string& path, const CsvReadOptions& o) {
  std::string key = path + '\x1f' + o.delimiter + '\x1f' + std::to_string(static_cast<int>(o.header));
  for (const std::string& n : o.null_values) key += '\x1f' + n;
  return key;
}
}  // namespace

void SqlEngine::register_table(const std::string& name, Table table) {
  NIMBUS_CHECK(!name.empty(), "SqlEngine: a table needs a name");
  csv_files_.erase(sql::ascii_lower(name));
  tables_[sql::ascii_lower(name)] = std::move(table);
}

void SqlEngine::register_csv(const std::string& name, const std::string& path, CsvReadOptions options) {
  NIMBUS_CHECK(!name.empty(), "SqlEngine: a table needs a name");
  tables_.erase(sql::ascii_lower(name));
  csv_files_[sql::ascii_lower(name)] = {path, std::move(options)};
}

std::vector<std::string> SqlEngine::table_names() const {
  std::vector<std::string> names;
  for (const auto& [name, table] : tables_) names.push_back(name);
  for (const auto& [name, csv] : csv_files_) names.push_back(name);
  return names;
}

Table SqlEngine::read_cached(const std::string& path, const CsvReadOptions& options) {
  const std::string key = cache_key(path, options);
  if (const auto it = file_cache_.find(key); it != file_cache_.end()) return it->second;
  Table table = read_csv(path, options).table;
  file_cache_[key] = table;
  return table;
}

Table SqlEngine::query(std::string_view text) {
  const sql::Json statements = sql::parse_statements(text);
  if (statements.size() != 1)
    throw SqlError("expected one SQL statement, got " + std::to_string(statements.size()), text, -1);
  const sql::Json& stmt = statements[0]["stmt"];
  if (sql::node_type(stmt) != "SelectStmt")
    throw SqlError("only SELECT statements are supported, got " + sql::node_type(stmt), text,
                   statements[0].value("stmt_location", 0));
  sql::Catalog catalog;
  catalog.find_table = [this](const std::string& name) -> std::optional<Table> {
    const std::string key = sql::ascii_lower(name);
    if (const auto it = tables_.find(key); it != tables_.end()) return it->second;
    if (const auto it = csv_files_.find(key); it != csv_files_.end())
      return read_cached(it->second.path, it->second.options);
    return std::nullopt;
  };
  catalog.read_csv = [this](const std::string& path, const CsvReadOptions& options) {
    return read_cached(path, options);
  };
  sql::QueryContext context;
  context.sql = text;
  context.catalog = &catalog;
  return sql::execute_select(sql::node_body(stmt), context);
}

}  // namespace nimbus::analytics
