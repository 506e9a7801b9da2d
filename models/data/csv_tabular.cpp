#include "models/data/csv_tabular.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "models/data/csv_records.h"
#include "models/data/labeled_table.h"
#include "models/data/split.h"
#include "models/data/text_file.h"
#include "runtime/error.h"

namespace nimbus::data {

namespace {

constexpr int64_t kMaxClassId = 999999;

// A label as written, with where it was, until all labels are known and classes can be assigned.
struct RawLabel {
  CsvField field;
  int64_t line = 0;
};

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// Fills table.labels, classes and class_names from the labels as written.
void assign_classes(const std::vector<RawLabel>& raw, const std::string& path, const std::string& label_name,
                    LabeledTable& table) {
  const std::string what = "label column '" + label_name + "'";
  const bool integer_ids =
      std::all_of(raw.begin(), raw.end(), [](const RawLabel& label) { return all_digits(label.field.text); });
  if (integer_ids) {
    int64_t largest = 0;
    for (const RawLabel& label : raw) {
      table.labels.push_back(parse_integer_field(label.field, path, label.line, what, 0, kMaxClassId));
      largest = std::max(largest, table.labels.back());
    }
    table.classes = largest + 1;
    for (int64_t c = 0; c < table.classes; ++c) table.class_names.push_back(std::to_string(c));
    return;
  }
  std::map<std::string, int64_t> ids;
  for (const RawLabel& label : raw) {
    NIMBUS_CHECK_T(ParseError, !label.field.text.empty(), csv_location(path, label.line, label.field.column), ": ",
                   what, ": empty field");
    ids.emplace(label.field.text, 0);
  }
  for (auto& [name, id] : ids) {
    id = static_cast<int64_t>(table.class_names.size());
    table.class_names.push_back(name);
  }
  for (const RawLabel& label : raw) table.labels.push_back(ids.at(label.field.text));
  table.classes = static_cast<int64_t>(ids.size());
}

}  // namespace

Splits load_csv_tabular(const CsvTabularOptions& options) {
  NIMBUS_CHECK_T(ConfigError, !options.path.empty(), "csv: no path given");
  const std::string& path = options.path;
  const std::string text = read_data_file(path);

  std::vector<std::string> columns;
  size_t label_index = 0;
  auto table = std::make_shared<LabeledTable>();
  std::vector<RawLabel> raw_labels;
  for_each_csv_record(text, path, [&](const CsvRecord& record) {
    if (columns.empty()) {
      for (const CsvField& field : record.fields) {
        NIMBUS_CHECK_T(ParseError, !field.text.empty(), csv_location(path, record.line, field.column),
                       ": header: column ", columns.size() + 1, " has no name");
        const auto same = std::find(columns.begin(), columns.end(), field.text);
        NIMBUS_CHECK_T(ParseError, same == columns.end(), csv_location(path, record.line, field.column),
                       ": header: column name '", field.text, "' appears twice (columns ", same - columns.begin() + 1,
                       " and ", columns.size() + 1, ")");
        columns.push_back(field.text);
      }
      NIMBUS_CHECK_T(ParseError, columns.size() >= 2, csv_location(path, record.line, 1),
                     ": header: need at least two columns (features and a label), found ", columns.size());
      const std::string label = options.label_column.empty() ? columns.back() : options.label_column;
      const auto found = std::find(columns.begin(), columns.end(), label);
      NIMBUS_CHECK_T(ConfigError, found != columns.end(), "csv: label column '", label, "' is not a column of '",
                     path, "'; the columns are: ", joined(columns));
      label_index = static_cast<size_t>(found - columns.begin());
      for (size_t c = 0; c < columns.size(); ++c) {
        if (c != label_index) table->feature_names.push_back(columns[c]);
      }
      return;
    }
    NIMBUS_CHECK_T(ParseError, record.fields.size() == columns.size(),
                   csv_location(path, record.line,
                                record.fields.size() > columns.size() ? record.fields[columns.size()].column
                                                                      : record.end_column),
                   ": expected ", columns.size(), " fields as in the header, found ", record.fields.size());
    for (size_t c = 0; c < columns.size(); ++c) {
      const CsvField& field = record.fields[c];
      if (c == label_index) {
        raw_labels.push_back({field, record.line});
      } else {
        const std::string what = "column '" + columns[c] + "'";
        const auto value = static_cast<float>(parse_number_field(field, path, record.line, what));
        NIMBUS_CHECK_T(ParseError, std::isfinite(value), csv_location(path, record.line, field.column), ": ", what,
                       ": '", field.text, "' is outside the range of f32");
        table->features.push_back(value);
      }
    }
  });
  NIMBUS_CHECK_T(ParseError, !columns.empty(), path, ": the file is empty (expected a header row)");
  NIMBUS_CHECK_T(ParseError, !raw_labels.empty(), path, ": no rows after the header");

  const std::string label_name = columns[label_index];
  assign_classes(raw_labels, path, label_name, *table);
  const auto features = static_cast<int64_t>(table->feature_names.size());
  table->name = file_name(path);
  table->example_shape = {features};
  table->example_text = detail::concat("rows of ", features, features == 1 ? " feature" : " features");
  SplitIndices split = split_rows(table->rows(), options.split_seed,
                                  {options.train_fraction, options.val_fraction}, table->name);
  return labeled_splits(std::move(table), std::move(split));
}

}  // namespace nimbus::data
