#include "models/data/csv_tabular.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>

#include "analytics/csv/csv_reader.h"
#include "analytics/io/file_bytes.h"
#include "models/data/labeled_table.h"
#include "models/data/split.h"
#include "models/data/text_file.h"
#include "models/data/training_csv.h"
#include "runtime/error.h"

namespace nimbus::data {

namespace {

using analytics::Column;
using analytics::CsvReadOptions;
using analytics::CsvReadResult;
using analytics::DataType;

constexpr int64_t kMaxClassId = 999999;

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}


// Fills table.labels, classes and class_names from the label column (strings, as written).
void assign_classes(const CsvReadResult& read, int64_t label_index, LabeledTable& table) {
  const Column& labels = read.table.column(label_index);
  const std::string what = "column '" + read.table.names()[static_cast<size_t>(label_index)] + "'";
  const int64_t rows = labels.length();
  bool integer_ids = true;
  for (int64_t r = 0; r < rows && integer_ids; ++r) integer_ids = all_digits(labels.string_value(r));
  if (integer_ids) {
    int64_t largest = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const std::string_view text = labels.string_value(r);
      int64_t id = 0;
      const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), id);
      NIMBUS_CHECK_T(ParseError, err == std::errc() && id <= kMaxClassId, read.location(r, label_index), ": ", what,
                     ": ", text, " is outside 0..", kMaxClassId, " (integer labels are class ids)");
      table.labels.push_back(id);
      largest = std::max(largest, id);
    }
    table.classes = largest + 1;
    for (int64_t c = 0; c < table.classes; ++c) table.class_names.push_back(std::to_string(c));
    return;
  }
  std::map<std::string, int64_t, std::less<>> ids;
  for (int64_t r = 0; r < rows; ++r) ids.emplace(labels.string_value(r), 0);
  for (auto& [name, id] : ids) {
    id = static_cast<int64_t>(table.class_names.size());
    table.class_names.push_back(name);
  }
  for (int64_t r = 0; r < rows; ++r) table.labels.push_back(ids.find(labels.string_value(r))->second);
  table.classes = static_cast<int64_t>(ids.size());
}

}  // namespace

Splits load_csv_tabular(const CsvTabularOptions& options) {
  NIMBUS_CHECK_T(ConfigError, !options.path.empty(), "csv: no path given");
  const std::string& path = options.path;
  const std::string text = analytics::read_file_bytes(path);

  CsvReadOptions read_options = training_csv_options();
  const std::vector<std::string> columns = analytics::read_csv_column_names(text, path, read_options);
  NIMBUS_CHECK_T(ParseError, !columns.empty(), path, ": the file is empty (expected a header row)");
  NIMBUS_CHECK_T(ParseError, columns.size() >= 2, path,
                 ": header: need at least two columns (features and a label), found ", columns.size());
  const std::string label = options.label_column.empty() ? columns.back() : options.label_column;
  const auto found = std::find(columns.begin(), columns.end(), label);
  NIMBUS_CHECK_T(ConfigError, found != columns.end(), "csv: label column '", label, "' is not a column of '", path,
                 "'; the columns are: ", joined(columns));
  const auto label_index = static_cast<int64_t>(found - columns.begin());

  read_options.default_type = DataType::float32;
  read_options.column_types = {{label, DataType::string}};
  const CsvReadResult read = analytics::read_csv_text(text, path, read_options);
  const int64_t rows = read.table.num_rows();
  NIMBUS_CHECK_T(ParseError, rows > 0, path, ": no rows after the header");

  auto table = std::make_shared<LabeledTable>();
  std::vector<const float*> features;
  for (int64_t c = 0; c < read.table.num_columns(); ++c) {
    if (c == label_index) continue;
    table->feature_names.push_back(columns[static_cast<size_t>(c)]);
    features.push_back(read.table.column(c).values<float>());
  }
  table->features.reserve(static_cast<size_t>(rows) * features.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (const float* column : features) table->features.push_back(column[r]);
  }
  assign_classes(read, label_index, *table);

  const auto feature_count = static_cast<int64_t>(table->feature_names.size());
  table->name = file_name(path);
  table->example_shape = {feature_count};
  table->example_text = detail::concat("rows of ", feature_count, feature_count == 1 ? " feature" : " features");
  SplitIndices split = split_rows(table->rows(), options.split_seed,
                                  {options.train_fraction, options.val_fraction}, table->name);
  return labeled_splits(std::move(table), std::move(split));
}

}  // namespace nimbus::data
