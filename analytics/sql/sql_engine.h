#pragma once
// SqlEngine: SQL over analytics tables, the same engine `nimbus query` runs.
//
//   SqlEngine engine;
//   engine.register_table("sales", read_csv("sales.csv").table);
//   Table top = engine.query("SELECT region, sum(price) AS total FROM sales GROUP BY region "
//                            "ORDER BY total DESC LIMIT 3");
//
// Tables are named three ways, as DuckDB accepts them: a registered name, read_csv('path.csv')
// (with optional delim, header and nullstr arguments), or a double-quoted path (FROM "data.csv").
// Files are read once per engine and kept. The text is parsed by PostgreSQL's grammar
// (libpg_query); what the statement may contain is listed in analytics/sql/README.md. Every error
// about the query is an SqlError that shows the offending place in the text.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/csv/csv_options.h"
#include "analytics/table.h"

namespace nimbus::analytics {

class NIMBUS_API SqlEngine {
 public:
  // Names are matched case-insensitively; registering a name again replaces the table.
  void register_table(const std::string& name, Table table);
  // The file is read when a query first names the table.
  void register_csv(const std::string& name, const std::string& path, CsvReadOptions options = {});
  std::vector<std::string> table_names() const;

  // Runs one SELECT statement (a trailing semicolon is fine).
  Table query(std::string_view sql);

 private:
  struct Csv {
    std::string path;
    CsvReadOptions options;
  };
  Table read_cached(const std::string& path, const CsvReadOptions& options);

  std::map<std::string, Table> tables_;   // by lower-case name
  std::map<std::string, Csv> csv_files_;  // registered, not yet read
  std::map<std::string, Table> file_cache_;
};

}  // namespace nimbus::analytics
