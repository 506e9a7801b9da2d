// `nimbus query "SQL" [--table name=path.csv ...] [--device auto|cpu|cuda] [--format table|csv|json]`:
// runs one SELECT over CSV files and prints the result on stdout (logs go to stderr).
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "analytics/csv/csv_writer.h"
#include "analytics/sql/sql_engine.h"
#include "runtime/device.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct QueryOptions {
  std::string sql;
  std::vector<std::string> tables;
  std::string device = "auto";
  std::string format = "table";
  int64_t max_rows = 40;
};

// One JSON value per cell: numbers and bools as such, NULL as null, everything else as its text.
nlohmann::ordered_json cell(const analytics::Column& column, int64_t row) {
  using analytics::DataType;
  if (column.is_null(row)) return nullptr;
  switch (column.type()) {
    case DataType::boolean: return column.bool_value(row);
    case DataType::int32: return column.value<int32_t>(row);
    case DataType::int64: return column.value<int64_t>(row);
    case DataType::float32: return column.value<float>(row);
    case DataType::float64: return column.value<double>(row);
    case DataType::string: return std::string(column.string_value(row));
    default: return column.value_text(row);
  }
}

void print_json(const analytics::Table& table) {
  std::cout << "[";
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    nlohmann::ordered_json row = nlohmann::ordered_json::object();
    for (int64_t c = 0; c < table.num_columns(); ++c)
      row[table.names()[static_cast<size_t>(c)]] = cell(table.column(c), r);
    std::cout << (r ? ",\n " : "\n ") << row.dump();
  }
  std::cout << (table.num_rows() ? "\n]\n" : "]\n");
}

void run_query(const QueryOptions& o) {
  if (o.device == "cuda" || o.device.rfind("cuda:", 0) == 0)
    throw DeviceError("nimbus query: the analytics operators run on the CPU in this build; use --device cpu or auto");
  NIMBUS_CHECK_T(ConfigError, o.device == "auto" || o.device == "cpu", "nimbus query: --device '", o.device,
                 "' is not one of auto, cpu, cuda");
  analytics::SqlEngine engine;
  for (const std::string& binding : o.tables) {
    const size_t eq = binding.find('=');
    NIMBUS_CHECK_T(ConfigError, eq != std::string::npos && eq > 0 && eq + 1 < binding.size(),
                   "nimbus query: --table takes name=path.csv, got '", binding, "'");
    engine.register_csv(binding.substr(0, eq), binding.substr(eq + 1));
  }
  const auto start = std::chrono::steady_clock::now();
  const analytics::Table result = engine.query(o.sql);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (o.format == "csv") {
    analytics::write_csv(result, std::cout);
  } else if (o.format == "json") {
    print_json(result);
  } else {
    std::cout << result.to_string(o.max_rows) << "\n";
    std::cerr << result.num_rows() << " rows in " << seconds << " s\n";
  }
}

}  // namespace

void add_query_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("query", "Run a SQL query over CSV files (PostgreSQL syntax, DuckDB's functions)");
  static QueryOptions options;
  cmd->add_option("sql", options.sql, "The SELECT statement")->required();
  cmd->add_option("--table", options.tables, "Name a CSV file as a table: name=path.csv (repeatable)");
  cmd->add_option("--device", options.device, "auto, cpu or cuda")->capture_default_str();
  cmd->add_option("--format", options.format, "Output: table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  cmd->add_option("--max-rows", options.max_rows, "Rows shown by --format table")->capture_default_str();
  cmd->callback([] { run_query(options); });
}

}  // namespace nimbus::tools
