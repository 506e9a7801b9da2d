#include "models/config/query_config.h"

#include <filesystem>

#include "analytics/sql/sql_error.h"
#include "runtime/error.h"

namespace nimbus::models {

namespace {

// Continuation lines indented like the first, so the caret under "LINE n: ..." stays in place
// inside the indented list of problems.
std::string indented(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    out.push_back(ch);
    if (ch == '\n') out.append("    ");
  }
  return out;
}

// `tables`: name -> path, or name -> {path, header}. Returns whether every file exists.
bool read_tables(YamlSection& s, std::vector<data::QueryTableFile>& out, const std::string& base_dir) {
  YamlSection tables = s.section("tables");
  bool ok = true;
  for (const std::string& name : tables.keys()) {
    data::QueryTableFile file;
    file.name = name;
    if (tables.is_mapping(name)) {
      YamlSection one = tables.section(name);
      one.require("path");
      one.read_file_path("path", file.path, base_dir);
      one.read("header", file.header);
      one.reject_unknown("a table (path, header)");
    } else {
      tables.read_file_path(name, file.path, base_dir);
    }
    ok &= !file.path.empty() && std::filesystem::is_regular_file(file.path);
    out.push_back(std::move(file));
  }
  return ok;
}

}  // namespace

data::QueryDatasetOptions query_dataset_options(const DataConfig& d) {
  data::QueryDatasetOptions o;
  o.sql = d.sql;
  o.tables = d.tables;
  o.label = d.label;
  o.features = d.features;
  o.split_seed = d.split_seed;
  o.train_fraction = d.train_fraction;
  o.val_fraction = d.val_fraction;
  return o;
}

void read_query_data(YamlSection& s, DataConfig& d, const std::string& base_dir) {
  s.require("sql");
  s.read("sql", d.sql);
  s.require("label");
  s.read("label", d.label);
  s.read("features", d.features);
  const bool files_ok = read_tables(s, d.tables, base_dir);
  if (d.sql.empty() || !files_ok) return;  // already reported; a query run would only repeat it

  const data::QueryDatasetOptions options = query_dataset_options(d);
  try {
    d.query_result = std::make_shared<const analytics::Table>(data::run_training_query(options));
  } catch (const analytics::SqlError& e) {
    s.report("sql", indented(e.what()));
    return;
  } catch (const Error& e) {  // a file the query reads that does not parse (the message names it)
    s.report("sql", indented(e.what()));
    return;
  }
  if (d.label.empty()) return;
  for (const data::QueryProblem& p : data::query_result_problems(*d.query_result, options)) s.report(p.key, p.message);
}

}  // namespace nimbus::models
