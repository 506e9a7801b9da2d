#pragma once
// Where the reader puts one chunk's values of one column while it parses, and how the pieces of all
// chunks become one Column.
//
// A piece holds plain host vectors of the stored type (no per-value type checks or bitmap updates,
// unlike ColumnBuilder): appending a value is a push_back. Nulls are a byte per row, kept only from
// the first null on. A piece may stay untyped while it holds only nulls, because the type of a
// chunk's column is known at its first value (Note [Type inference masks]). assemble_column() then
// copies the pieces once into the final buffers, in parallel over columns. String columns come out
// coding on demand (Note [String codes] in column.h), not coded: coding while parsing made a load
// twice as slow, for queries it may never run.
#include <cstdint>
#include <string_view>
#include <vector>

#include "analytics/column.h"
#include "analytics/csv/csv_values.h"

namespace nimbus::analytics::csv {

class ColumnPiece {
 public:
  bool typed() const { return typed_; }
  DataType type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }

  // Sets the type; the piece must hold no values (nulls are kept).
  void set_type(DataType type);
  // Drops every value and null and the type.
  void clear() { *this = ColumnPiece(); }
  // Room for about `factor` times the values held now (in rows and string bytes).
  void grow_capacity(double factor);

  void append_null();
  // A value of the piece's fixed-width type (parse_scalar's result).
  void append_scalar(const Scalar& value) {
    switch (type_) {
      case DataType::boolean: bools_.push_back(value.b ? 1 : 0); break;
      case DataType::int32:
      case DataType::date32: i32_.push_back(value.i32); break;
      case DataType::int64:
      case DataType::timestamp: i64_.push_back(value.i64); break;
      case DataType::float32: f32_.push_back(value.f32); break;
      case DataType::float64: f64_.push_back(value.f64); break;
      case DataType::string: break;
    }
    if (!nulls_.empty()) nulls_.push_back(0);
    ++length_;
  }
  void append_string(std::string_view text) {
    chars_.insert(chars_.end(), text.begin(), text.end());
    ends_.push_back(static_cast<uint32_t>(chars_.size()));
    if (!nulls_.empty()) nulls_.push_back(0);
    ++length_;
  }

 private:
  friend Column assemble_column(DataType type, const std::vector<const ColumnPiece*>& pieces);

  bool typed_ = false;
  DataType type_ = DataType::string;
  int64_t length_ = 0, null_count_ = 0;
  std::vector<uint8_t> nulls_;  // empty, or one byte per row (1 = null)
  std::vector<uint8_t> bools_;  // one byte per value
  std::vector<int32_t> i32_;
  std::vector<int64_t> i64_;
  std::vector<float> f32_;
  std::vector<double> f64_;
  std::vector<char> chars_;
  std::vector<uint32_t> ends_;  // strings: end of each value in chars_ (assemble_column checks the total fits int32)
};

// The rows of `pieces` in order as one column of `type`; a typed piece must have that type, an
// untyped one holds nulls only. ShapeError when the strings exceed 2 GiB (int32 offsets).
Column assemble_column(DataType type, const std::vector<const ColumnPiece*>& pieces);

}  // namespace nimbus::analytics::csv
