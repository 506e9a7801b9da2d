#include "analytics/stream/stream_config.h"

#include <filesystem>
#include <sstream>

#include "analytics/sql/sql_error.h"
#include "analytics/stream/atomic_file.h"
#include "analytics/stream/duration.h"
#include "analytics/stream/stream_sql.h"
#include "analytics/stream/where_clause.h"
#include "analytics/stream/window_aggregator.h"
#include "analytics/stream/yaml_fields.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {

namespace fs = std::filesystem;

namespace {

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute() || base_dir.empty()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

std::optional<DataType> schema_type(const std::string& name) {
  if (name == "string" || name == "text") return DataType::string;
  if (name == "int32") return DataType::int32;
  if (name == "int64" || name == "integer") return DataType::int64;
  if (name == "float64" || name == "double") return DataType::float64;
  if (name == "float32") return DataType::float32;
  if (name == "bool" || name == "boolean") return DataType::boolean;
  if (name == "date") return DataType::date32;
  if (name == "timestamp") return DataType::timestamp;
  return std::nullopt;
}

void read_source(YamlFields source, StreamConfig& c, std::map<std::string, DataType>& schema) {
  source.require("kind");
  source.require("path");
  std::string kind = "directory";
  source.read("kind", kind, {"directory", "file", "socket"});
  c.source_kind = kind == "file" ? SourceKind::file : kind == "socket" ? SourceKind::socket : SourceKind::directory;
  source.read("path", c.source_path);
  std::string header = "true";
  source.read("header", header, c.source_kind == SourceKind::directory ? std::vector<std::string>{"true", "false", "detect"}
                                                                       : std::vector<std::string>{"true", "false"});
  c.csv.header = header == "false" ? CsvHeader::absent : header == "detect" ? CsvHeader::detect : CsvHeader::present;
  source.read("columns", c.csv.column_names);
  if (c.csv.header == CsvHeader::present && !c.csv.column_names.empty())
    source.report("columns", "names columns of a file without a header; set header: false (or drop columns)");
  if (c.csv.header != CsvHeader::present && c.csv.column_names.empty() && c.source_kind != SourceKind::directory)
    source.report("header", "header: false needs columns: [names...]");
  std::string delimiter = ",";
  source.read("delimiter", delimiter);
  if (delimiter.size() != 1) source.report("delimiter", "expected one character");
  else c.csv.delimiter = delimiter[0];
  source.require("time_column");
  source.read("time_column", c.query.time_column);
  std::string format = "seconds";
  source.read("time_format", format, {"seconds", "milliseconds", "microseconds", "iso8601"});
  c.query.time_format = *parse_time_format(format);
  source.read("max_files_per_batch", c.limits.max_files_per_batch, 0);
  source.read("max_bytes_per_batch", c.limits.max_bytes_per_batch, 0);
  bool skip_bad_rows = false;
  source.read("skip_bad_rows", skip_bad_rows);
  c.csv.skip_bad_rows = skip_bad_rows;
  YamlFields types = source.section("schema");
  for (const std::string& column : types.keys()) {
    std::string type;
    types.read(column, type, {"string", "int32", "int64", "float32", "float64", "bool", "date", "timestamp"});
    if (const auto t = schema_type(type)) schema[column] = *t;
  }
  if (c.source_kind == SourceKind::directory && c.limits.max_bytes_per_batch > 0)
    source.report("max_bytes_per_batch", "applies to kind: file; a directory batch is limited by max_files_per_batch");
  if (c.source_kind == SourceKind::file && c.limits.max_files_per_batch > 0)
    source.report("max_files_per_batch", "applies to kind: directory; a file batch is limited by max_bytes_per_batch");
  std::string owner = "source kind '";
  owner += kind;
  owner += "'";
  source.reject_unknown(owner);
}

void read_structured_query(YamlFields& query, StreamConfig& c) {
  query.read("keys", c.query.keys);
  query.read("where", c.query.where);
  query.require("aggregates");
  for (YamlFields a : query.list_of_sections("aggregates")) {
    std::string function;
    a.require("function");
    a.read("function", function, {"count", "sum", "avg", "mean", "min", "max"});
    AggregateSpec spec;
    a.read("column", spec.input);
    if (function.empty()) continue;
    const auto f = parse_stream_aggregate(function, !spec.input.empty());
    spec.function = *f;
    if (spec.input.empty() && spec.function != StreamAggregate::count_star) {
      std::string message = "missing; ";
      message += function;
      message += " needs the column it aggregates";
      a.report("column", message);
    }
    spec.output = function;
    if (!spec.input.empty()) spec.output.append("_").append(spec.input);
    a.read("as", spec.output);
    a.reject_unknown("an aggregate");
    c.query.aggregates.push_back(spec);
  }
}

// Aggregate inputs the schema types as integers are summed as integers.
void apply_schema(const std::map<std::string, DataType>& schema, YamlFields& root, StreamConfig& c) {
  for (AggregateSpec& a : c.query.aggregates) {
    if (a.input.empty()) continue;
    const auto it = schema.find(a.input);
    if (it == schema.end()) continue;
    if (it->second == DataType::int32 || it->second == DataType::int64) a.integer = true;
    else if (it->second != DataType::float64 && it->second != DataType::float32 && a.function != StreamAggregate::count) {
      std::string message = "column '";
      message += a.input;
      message += "' is ";
      message += data_type_name(it->second);
      message += " in the schema, but ";
      message += stream_aggregate_name(a.function);
      message += " needs a number";
      root.report("source", message);
    }
  }
  for (const auto& k : c.query.keys) {
    const auto it = schema.find(k);
    if (it != schema.end() && it->second != DataType::string) {
      std::string message = "key column '";
      message += k;
      message += "' is read as text; drop it from source.schema (or make it string)";
      root.report("source", message);
    }
  }
}

}  // namespace

std::string StreamConfig::description() const {
  std::ostringstream d;
  d << "source=" << (source_kind == SourceKind::directory ? "directory:" : source_kind == SourceKind::file ? "file:" : "socket:")
    << fs::path(source_path).filename().string() << " time=" << query.time_column << ":"
    << time_format_name(query.time_format) << " window=" << format_duration(query.window.size_us) << "/"
    << format_duration(query.window.slide_us) << " lateness=" << format_duration(query.lateness_us)
    << " mode=" << (query.mode == OutputMode::append ? "append" : "update") << " keys=";
  for (const auto& k : query.keys) d << k << ",";
  d << " aggregates=";
  // The input's number type too: a snapshot's accumulators are read as integers or floats by it.
  for (const auto& a : query.aggregates)
    d << stream_aggregate_name(a.function) << (a.integer ? ":int" : "") << "(" << a.input << ")->" << a.output << ",";
  d << " where=" << (query.where_expr ? query.where_expr->to_sql() : query.where) << "\n";
  return d.str();
}

StreamConfig parse_stream_config(std::string_view yaml, const std::string& source, const std::string& base_dir) {
  YAML::Node root_node;
  try {
    root_node = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    std::string message = source;
    message += ":";
    message += std::to_string(e.mark.line + 1);
    message += ": not valid YAML: ";
    message += e.msg;
    throw ConfigError(message);
  }
  ConfigMessages messages(source);
  if (!root_node.IsMap()) {
    messages.add(root_node, "(top level)", "expected a mapping with source, window, query, sink, checkpoint");
    messages.throw_if_any();
  }
  YamlFields root(root_node, "", messages);
  StreamConfig c;
  std::map<std::string, DataType> schema;
  root.require("source");
  read_source(root.section("source"), c, schema);
  root.read_duration("trigger", c.trigger_us, 0);

  YamlFields query = root.section("query");
  root.require("query");
  const bool sql_form = query.has("sql");
  if (sql_form) {
    std::string sql;
    query.read("sql", sql);
    for (const char* structured : {"keys", "where", "aggregates"})
      if (query.has(structured)) query.report(structured, "not with query.sql; the SQL says it");
    if (root.has("window")) root.report("window", "not with query.sql; the window is tumble(...) or hop(...) in the SQL");
    query.read("keys", c.query.keys);  // marked as read; reported above
    query.read("where", c.query.where);
    query.list_of_sections("aggregates");
    c.query.keys.clear();
    c.query.where.clear();
    const std::string time_column = c.query.time_column;
    try {
      parse_stream_sql(sql, c.query);
      if (!time_column.empty() && c.query.time_column != time_column) {
        std::string message = "the window is over '";
        message += c.query.time_column;
        message += "' but source.time_column is '";
        message += time_column;
        message += "'";
        query.report("sql", message);
      }
    } catch (const SqlError& e) {
      query.report("sql", e.what());
    }
  } else if (query.has("keys") || query.has("aggregates") || query.has("where")) {
    read_structured_query(query, c);
    YamlFields window = root.section("window");
    root.require("window");
    window.require("size");
    window.read_duration("size", c.query.window.size_us, 1);
    c.query.window.slide_us = c.query.window.size_us;
    window.read_duration("slide", c.query.window.slide_us, 1);
    window.reject_unknown("window");
  } else {
    query.report("aggregates", "missing: give query.keys and query.aggregates, or query.sql");
  }
  query.reject_unknown("query");

  YamlFields watermark = root.section("watermark");
  watermark.read_duration("lateness", c.query.lateness_us, 0);
  watermark.reject_unknown("watermark");
  std::string mode = "append";
  root.read("output_mode", mode, {"append", "update"});
  c.query.mode = mode == "update" ? OutputMode::update : OutputMode::append;

  YamlFields sink = root.section("sink");
  root.require("sink");
  std::string sink_kind = "csv";
  sink.require("kind");
  sink.read("kind", sink_kind, {"csv", "stdout"});
  c.sink_kind = sink_kind == "stdout" ? SinkKind::stdout_text : SinkKind::csv;
  sink.read("path", c.sink_path);
  if (c.sink_kind == SinkKind::csv && !sink.has("path")) sink.report("path", "missing; a csv sink writes its files into a folder");
  if (c.sink_kind == SinkKind::stdout_text && sink.has("path")) sink.report("path", "a stdout sink has no path");
  sink.reject_unknown("sink");

  root.require("checkpoint");
  root.read("checkpoint", c.checkpoint_dir);
  root.reject_unknown("a stream config");

  for (auto& [column, type] : schema) c.csv.column_types[column] = type;
  apply_schema(schema, root, c);
  messages.throw_if_any();

  // The query's own checks (duplicate outputs, WHERE syntax) and the types it reads columns as.
  try {
    if (!c.query.where_expr && !c.query.where.empty()) c.query.where_expr = parse_where_expression(c.query.where);
    const WindowAggregator aggregator(c.query);
    for (const auto& [column, type] : aggregator.required_column_types()) c.csv.column_types[column] = type;
  } catch (const Error& e) {
    messages.add(root_node["query"], "query", e.what());
  }
  messages.throw_if_any();
  if (c.source_kind != SourceKind::socket) c.source_path = resolve(base_dir, c.source_path);
  c.sink_path = resolve(base_dir, c.sink_path);
  c.checkpoint_dir = resolve(base_dir, c.checkpoint_dir);
  return c;
}

StreamConfig load_stream_config(const std::string& path) {
  NIMBUS_CHECK_T(IOError, fs::exists(path), "stream: config '", path, "' does not exist");
  return parse_stream_config(read_whole_file(path), path, fs::path(path).parent_path().string());
}

}  // namespace nimbus::analytics::stream
