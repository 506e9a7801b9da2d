#pragma once
// Table: named columns of equal length. Like columns, tables are values that share buffers:
// select, rename and slice copy no data.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/column.h"

namespace nimbus::analytics {

class NIMBUS_API Table {
 public:
  Table() = default;  // no columns, no rows
  // Names must be non-empty and distinct and the columns of equal length (ShapeError / Error
  // otherwise). A table without columns has `rows` rows (0 when not given).
  Table(std::vector<std::string> names, std::vector<Column> columns);

  int64_t num_rows() const { return rows_; }
  int64_t num_columns() const { return static_cast<int64_t>(columns_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<Column>& columns() const { return columns_; }
  const Column& column(int64_t index) const;
  // Throws Error "no column 'x'; the columns are: a, b, c".
  const Column& column(std::string_view name) const;
  std::optional<int64_t> find(std::string_view name) const;

  // The named columns in the order given.
  Table select(const std::vector<std::string>& names) const;
  // Columns renamed old -> new; names not in the map keep theirs. Unknown old names are errors.
  Table rename(const std::map<std::string, std::string>& renames) const;
  Table slice(int64_t start, int64_t length) const;
  // Every column on `device` (Column::to): the table itself when it is already there.
  Table to(Device device) const;
  // Same names, in order, and equal columns (Column::equals).
  bool equals(const Table& other) const;

  // The first `max_rows` rows as an aligned text table: a header of names, a line of types, the
  // rows (numbers right-aligned), and "(N rows)" or "(N rows, first M shown)" below.
  std::string to_string(int64_t max_rows = 10) const;

 private:
  std::string names_text() const;

  std::vector<std::string> names_;
  std::vector<Column> columns_;
  int64_t rows_ = 0;
};

}  // namespace nimbus::analytics
