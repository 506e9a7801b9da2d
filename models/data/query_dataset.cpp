#include "models/data/query_dataset.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>

#include "analytics/sql/sql_engine.h"
#include "analytics/tensor_bridge.h"
#include "models/data/column_table.h"
#include "models/data/split.h"
#include "runtime/error.h"

namespace nimbus::data {

namespace {

using analytics::Column;
using analytics::DataType;
using analytics::is_numeric;
using analytics::Table;

constexpr int64_t kMaxClassId = 999999;  // as the CSV dataset allows

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty()) text.append(", ");
    text.append(name);
  }
  return text;
}

std::string quoted(const std::string& name) { return detail::concat("'", name, "'"); }

std::string nulls_text(const Column& column) {
  return detail::concat(column.null_count(), column.null_count() == 1 ? " null" : " nulls", " of ", column.length(),
                        " rows");
}

// The feature columns `options` asks for (by index into result), or none when a name is missing.
std::vector<int64_t> feature_indices(const Table& result, const QueryDatasetOptions& options) {
  std::vector<int64_t> out;
  if (options.features.empty()) {
    for (int64_t c = 0; c < result.num_columns(); ++c) {
      if (result.names()[static_cast<size_t>(c)] != options.label && is_numeric(result.column(c).type()))
        out.push_back(c);
    }
    return out;
  }
  for (const std::string& name : options.features) {
    const std::optional<int64_t> c = result.find(name);
    if (c) out.push_back(*c);
  }
  return out;
}

// Counts values a float model input cannot hold (inf, nan, beyond float32's range); the first one's row.
template <typename T>
std::pair<int64_t, int64_t> count_non_finite(const Column& column) {
  const T* values = column.values<T>();
  int64_t count = 0, first = -1;
  for (int64_t r = 0; r < column.length(); ++r) {
    const auto v = static_cast<double>(values[r]);
    if (column.is_valid(r) && (!std::isfinite(v) || std::abs(v) > std::numeric_limits<float>::max())) {
      if (count++ == 0) first = r;
    }
  }
  return {count, first};
}

void check_feature(const Table& result, int64_t c, const std::string& key, std::vector<QueryProblem>& problems) {
  const std::string& name = result.names()[static_cast<size_t>(c)];
  const Column& column = result.column(c);
  if (!is_numeric(column.type())) {
    problems.push_back({key, detail::concat("feature column ", quoted(name), " is ", data_type_name(column.type()),
                                            "; features must be numeric (int32, int64, float32, float64): leave it "
                                            "out of features or CAST it in the query")});
    return;
  }
  if (column.has_nulls()) {
    problems.push_back({key, detail::concat("feature column ", quoted(name), " has ", nulls_text(column),
                                            "; a model cannot take nulls: replace them in the query, e.g. coalesce(",
                                            name, ", 0), or drop those rows with WHERE ", name, " IS NOT NULL")});
  }
  std::pair<int64_t, int64_t> bad{0, -1};
  if (column.type() == DataType::float32) bad = count_non_finite<float>(column);
  if (column.type() == DataType::float64) bad = count_non_finite<double>(column);
  if (bad.first > 0) {
    problems.push_back({key, detail::concat("feature column ", quoted(name), " has ", bad.first,
                                            " values that are inf, nan or beyond float32's range (the first at row ",
                                            bad.second + 1, " of the result)")});
  }
}

template <typename T>
void check_class_ids(const Column& column, const std::string& name, std::vector<QueryProblem>& problems) {
  const T* values = column.values<T>();
  int64_t count = 0, first = -1;
  for (int64_t r = 0; r < column.length(); ++r) {
    if (values[r] < 0 || static_cast<int64_t>(values[r]) > kMaxClassId) {
      if (count++ == 0) first = r;
    }
  }
  if (count > 0) {
    problems.push_back({"label", detail::concat("label column ", quoted(name), " has ", count,
                                                " values outside 0..", kMaxClassId, " (integer labels are class ids; "
                                                "the first is ", values[first], " at row ", first + 1, " of the result)")});
  }
}

void check_label(const Table& result, const std::string& label, std::vector<QueryProblem>& problems) {
  const std::optional<int64_t> c = result.find(label);
  if (!c) {
    problems.push_back({"label", detail::concat(quoted(label), " is not a column of the query's result; the columns "
                                                "are: ", joined(result.names()))});
    return;
  }
  const Column& column = result.column(*c);
  const DataType type = column.type();
  if (type != DataType::int32 && type != DataType::int64 && type != DataType::string) {
    problems.push_back({"label", detail::concat("label column ", quoted(label), " is ", data_type_name(type),
                                                "; class labels must be integers (int32, int64) or strings: "
                                                "CAST it in the query, e.g. CAST(", label, " AS INTEGER)")});
    return;
  }
  if (column.has_nulls()) {
    problems.push_back({"label", detail::concat("label column ", quoted(label), " has ", nulls_text(column),
                                                "; every example needs a class: drop those rows with WHERE ", label,
                                                " IS NOT NULL, or give them one with coalesce(", label, ", ...)")});
    return;
  }
  if (type == DataType::int32) check_class_ids<int32_t>(column, label, problems);
  if (type == DataType::int64) check_class_ids<int64_t>(column, label, problems);
}

// The label column as i64 class ids; integer ids are the values themselves (Note in the header).
void assign_classes(const Column& column, ColumnTable& table) {
  if (column.type() == DataType::string) {
    std::map<std::string, int64_t, std::less<>> ids;
    for (int64_t r = 0; r < column.length(); ++r) ids.emplace(column.string_value(r), 0);
    for (auto& [name, id] : ids) {
      id = static_cast<int64_t>(table.class_names.size());
      table.class_names.push_back(name);
    }
    table.labels = empty({column.length()}, DType::i64);
    int64_t* out = table.labels.data<int64_t>();
    for (int64_t r = 0; r < column.length(); ++r) out[r] = ids.find(column.string_value(r))->second;
    table.classes = static_cast<int64_t>(ids.size());
    return;
  }
  // int64: the column's own buffer; int32: one widening copy, since the loss takes i64 targets.
  table.labels = analytics::column_as_tensor(column).to(DType::i64);
  const int64_t* ids = table.labels.data<int64_t>();
  const int64_t largest = column.length() == 0 ? 0 : *std::max_element(ids, ids + column.length());
  table.classes = largest + 1;
  for (int64_t c = 0; c < table.classes; ++c) table.class_names.push_back(std::to_string(c));
}

}  // namespace

Table run_training_query(const QueryDatasetOptions& options) {
  NIMBUS_CHECK_T(ConfigError, !options.sql.empty(), "query: no sql given");
  analytics::SqlEngine engine;
  for (const QueryTableFile& file : options.tables) {
    analytics::CsvReadOptions read;
    read.header = file.header ? analytics::CsvHeader::present : analytics::CsvHeader::absent;
    read.trim_whitespace = true;  // hand-written files often have spaces after commas
    engine.register_csv(file.name, file.path, read);
  }
  return engine.query(options.sql);
}

std::vector<QueryProblem> query_result_problems(const Table& result, const QueryDatasetOptions& options) {
  std::vector<QueryProblem> problems;
  if (result.num_rows() == 0) problems.push_back({"sql", "the query returned no rows"});
  if (options.label.empty()) {
    problems.push_back({"label", "no label column given"});
  } else {
    check_label(result, options.label, problems);
  }
  if (options.features.empty()) {
    const std::vector<int64_t> features = feature_indices(result, options);
    if (features.empty()) {
      problems.push_back({"sql", detail::concat("the result has no numeric column besides the label ",
                                                quoted(options.label), " to use as a feature; the columns are: ",
                                                joined(result.names()))});
    }
    for (const int64_t c : features) check_feature(result, c, "sql", problems);
    return problems;
  }
  for (const std::string& name : options.features) {
    const std::optional<int64_t> c = result.find(name);
    if (!c) {
      problems.push_back({"features", detail::concat(quoted(name), " is not a column of the query's result; the "
                                                     "columns are: ", joined(result.names()))});
    } else if (name == options.label) {
      problems.push_back({"features", detail::concat(quoted(name), " is the label column; it cannot be a feature too")});
    } else {
      check_feature(result, *c, "features", problems);
    }
  }
  return problems;
}

Splits query_splits(const Table& result, const QueryDatasetOptions& options) {
  const std::vector<QueryProblem> problems = query_result_problems(result, options);
  if (!problems.empty()) {
    std::string text = detail::concat(problems.size(), problems.size() == 1 ? " problem" : " problems",
                                      " with the query's result:");
    for (const QueryProblem& p : problems) text.append("\n  data.").append(p.key).append(": ").append(p.message);
    throw ConfigError(text);
  }
  auto table = std::make_shared<ColumnTable>();
  table->name = "query";
  for (const int64_t c : feature_indices(result, options)) {
    table->feature_names.push_back(result.names()[static_cast<size_t>(c)]);
    // float32: the result's own buffer; other numeric types: converted to f32 once.
    table->features.push_back(analytics::column_as_tensor(result.column(c)).to(DType::f32));
  }
  assign_classes(result.column(options.label), *table);
  SplitIndices split =
      split_rows(table->rows(), options.split_seed, {options.train_fraction, options.val_fraction}, "query");
  return column_splits(std::move(table), std::move(split));
}

Splits load_query_dataset(const QueryDatasetOptions& options) {
  return query_splits(run_training_query(options), options);
}

}  // namespace nimbus::data
