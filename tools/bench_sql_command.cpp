// `nimbus bench sql --table name=path.csv ... --query NAME=SQL ... [--repeat 3] [--json]
//                   [--output-dir DIR]`: times SQL queries over CSV tables, the work of the
// db-benchmark comparison (bench/peers/db_benchmark.py).
//
// Every table is read once, before any query, and its read is timed on its own (the CSV reader's
// time is not part of any query). Then each query runs `repeat` times on the same in-memory
// tables; the median and best wall times and the result's row count are reported, one JSON object
// per line with --json (tables first, then queries, in the order given). A query that fails (a
// feature the engine lacks, say) is reported with its error message and the others still run.
// With --output-dir, the last run's result of each query is written to DIR/NAME.csv after the
// timing, for answer checks.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analytics/csv/csv_reader.h"
#include "analytics/csv/csv_writer.h"
#include "analytics/sql/sql_engine.h"
#include "kernels/library_info.h"
#include "runtime/error.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct BenchSqlOptions {
  std::vector<std::string> tables;   // name=path.csv
  std::vector<std::string> queries;  // NAME=SQL
  int repeat = 3;
  bool json = false;
  std::string output_dir;
};

struct NamedText {
  std::string name, text;
};

// "name=value", split at the first '='; both sides must be non-empty.
NamedText split_binding(const std::string& binding, const char* option, const char* shape) {
  const size_t eq = binding.find('=');
  NIMBUS_CHECK_T(ConfigError, eq != std::string::npos && eq > 0 && eq + 1 < binding.size(), "bench sql: ", option,
                 " takes ", shape, ", got '", binding, "'");
  return {binding.substr(0, eq), binding.substr(eq + 1)};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void emit(const BenchSqlOptions& o, const nlohmann::ordered_json& record, const std::string& text) {
  if (o.json) std::cout << record.dump() << "\n";
  else std::cout << text << "\n";
  std::cout.flush();  // a caller reading the lines sees each as soon as it is measured
}

void run_bench_sql(const BenchSqlOptions& o) {
  NIMBUS_CHECK_T(ConfigError, !o.queries.empty(), "bench sql: give at least one --query NAME=SQL");
  NIMBUS_CHECK_T(ConfigError, o.repeat >= 1, "bench sql: --repeat must be at least 1, got ", o.repeat);
  std::vector<NamedText> queries;
  for (const std::string& q : o.queries) queries.push_back(split_binding(q, "--query", "NAME=SQL"));
  if (!o.output_dir.empty()) std::filesystem::create_directories(o.output_dir);

  analytics::SqlEngine engine;
  for (const std::string& binding : o.tables) {
    const NamedText table = split_binding(binding, "--table", "name=path.csv");
    const auto start = std::chrono::steady_clock::now();
    analytics::Table loaded = analytics::read_csv(table.text).table;
    const double seconds = seconds_since(start);
    nlohmann::ordered_json record;
    record["table"] = table.name;
    record["load_s"] = seconds;
    record["rows"] = loaded.num_rows();
    record["columns"] = loaded.num_columns();
    std::string text = "table ";
    text.append(table.name).append(": ").append(std::to_string(loaded.num_rows())).append(" rows loaded in ");
    text.append(std::to_string(seconds)).append(" s");
    engine.register_table(table.name, std::move(loaded));
    emit(o, record, text);
  }

  for (const NamedText& query : queries) {
    nlohmann::ordered_json record;
    record["query"] = query.name;
    std::vector<double> seconds;
    analytics::Table result;
    try {
      for (int i = 0; i < o.repeat; ++i) {
        const auto start = std::chrono::steady_clock::now();
        result = engine.query(query.text);
        seconds.push_back(seconds_since(start));
      }
    } catch (const Error& e) {  // an unsupported feature or a bad query: report it, run the rest
      record["error"] = e.what();
      std::string text = "query ";
      text.append(query.name).append(": error: ").append(e.what());
      emit(o, record, text);
      continue;
    }
    const double median = median_of(seconds);
    const double best = *std::min_element(seconds.begin(), seconds.end());
    record["median_s"] = median;
    record["best_s"] = best;
    record["runs"] = seconds;
    record["rows"] = result.num_rows();
    record["columns"] = result.num_columns();
    record["threads"] = cpu_threads();  // OpenMP threads of the engine's loops
    if (!o.output_dir.empty()) {
      const std::string path = (std::filesystem::path(o.output_dir) / (query.name + ".csv")).string();
      analytics::write_csv_file(result, path);
      record["output"] = path;
    }
    std::string text = "query ";
    text.append(query.name).append(": ").append(std::to_string(result.num_rows())).append(" rows, median ");
    text.append(std::to_string(median)).append(" s, best ").append(std::to_string(best)).append(" s over ");
    text.append(std::to_string(o.repeat)).append(" runs");
    emit(o, record, text);
  }
}

}  // namespace

// `sql` is a subcommand of `bench`, whose own positional KERNEL then stays empty. bench's callback
// would run after this one; CLI::Success ends the parse cleanly (exit status 0) so it does not.
void add_bench_sql_command(CLI::App& app) {
  static BenchSqlOptions o;
  CLI::App* bench = app.get_subcommand("bench");
  bench->get_option("kernel")->required(false);
  auto* cmd = bench->add_subcommand("sql", "Time SQL queries over CSV tables (tables loaded once, timed apart)");
  cmd->add_option("--table", o.tables, "A CSV file as a table: name=path.csv (repeatable)");
  cmd->add_option("--query", o.queries, "A query to time: NAME=SQL (repeatable)")->required();
  cmd->add_option("--repeat", o.repeat, "Timed runs of each query")->capture_default_str();
  cmd->add_option("--output-dir", o.output_dir, "Write each query's result to DIR/NAME.csv");
  cmd->add_flag("--json", o.json, "One JSON object per line");
  cmd->callback([] {
    run_bench_sql(o);
    throw CLI::Success();
  });
}

}  // namespace nimbus::tools
