#include "analytics/table.h"

#include <algorithm>

namespace nimbus::analytics {

Table::Table(std::vector<std::string> names, std::vector<Column> columns)
    : names_(std::move(names)), columns_(std::move(columns)) {
  NIMBUS_CHECK_T(ShapeError, names_.size() == columns_.size(), "Table: ", names_.size(), " names for ",
                 columns_.size(), " columns");
  for (size_t c = 0; c < names_.size(); ++c) {
    NIMBUS_CHECK(!names_[c].empty(), "Table: column ", c + 1, " has no name");
    for (size_t earlier = 0; earlier < c; ++earlier) {
      NIMBUS_CHECK(names_[earlier] != names_[c], "Table: column name '", names_[c], "' appears twice (columns ",
                   earlier + 1, " and ", c + 1, ")");
    }
  }
  if (!columns_.empty()) rows_ = columns_[0].length();
  for (size_t c = 0; c < columns_.size(); ++c) {
    NIMBUS_CHECK_T(ShapeError, columns_[c].length() == rows_, "Table: column '", names_[c], "' has ",
                   columns_[c].length(), " rows, column '", names_[0], "' has ", rows_);
  }
}

std::string Table::names_text() const {
  std::string text;
  for (const std::string& name : names_) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "(none)" : text;
}

const Column& Table::column(int64_t index) const {
  NIMBUS_CHECK_T(ShapeError, index >= 0 && index < num_columns(), "Table: column index ", index,
                 " is outside a table of ", num_columns(), " columns");
  return columns_[static_cast<size_t>(index)];
}

std::optional<int64_t> Table::find(std::string_view name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) return std::nullopt;
  return it - names_.begin();
}

const Column& Table::column(std::string_view name) const {
  const auto index = find(name);
  NIMBUS_CHECK(index.has_value(), "no column '", name, "'; the columns are: ", names_text());
  return columns_[static_cast<size_t>(*index)];
}

Table Table::select(const std::vector<std::string>& names) const {
  std::vector<Column> picked;
  for (const std::string& name : names) picked.push_back(column(name));
  Table table(names, std::move(picked));
  if (names.empty()) table.rows_ = rows_;
  return table;
}

Table Table::rename(const std::map<std::string, std::string>& renames) const {
  for (const auto& [from, to] : renames) {
    NIMBUS_CHECK(find(from).has_value(), "rename: no column '", from, "'; the columns are: ", names_text());
  }
  std::vector<std::string> names = names_;
  for (std::string& name : names) {
    const auto it = renames.find(name);
    if (it != renames.end()) name = it->second;
  }
  Table table(std::move(names), columns_);
  table.rows_ = rows_;
  return table;
}

Table Table::slice(int64_t start, int64_t length) const {
  NIMBUS_CHECK_T(ShapeError, start >= 0 && length >= 0 && start + length <= rows_, "Table::slice: rows ", start, "..",
                 start + length, " are outside a table of ", rows_, " rows");
  std::vector<Column> sliced;
  for (const Column& column : columns_) sliced.push_back(column.slice(start, length));
  Table table(names_, std::move(sliced));
  table.rows_ = length;
  return table;
}

bool Table::equals(const Table& other) const {
  if (names_ != other.names_ || rows_ != other.rows_) return false;
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (!columns_[c].equals(other.columns_[c])) return false;
  }
  return true;
}

}  // namespace nimbus::analytics
