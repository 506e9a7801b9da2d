#pragma once
// ColumnBuilder: appends values and nulls in host memory, then `finish()` moves them into device
// buffers as a Column (Note [Column layout] in column.h).
//
// The validity bitmap is only created when the first null arrives, so a column built without nulls
// has none (and can become a Tensor without a copy). finish() copies the host bytes once into
// buffers from the device's allocator, which are 64-byte aligned as Arrow recommends.
#include <cstdint>
#include <string_view>
#include <vector>

#include "analytics/column.h"

namespace nimbus::analytics {

class NIMBUS_API ColumnBuilder {
 public:
  explicit ColumnBuilder(DataType type);

  DataType type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }
  void reserve(int64_t values);

  void append_null();
  // Each throws DTypeError when the builder's type is not the one named.
  void append_bool(bool value);
  void append_int32(int32_t value);
  void append_int64(int64_t value);
  void append_float32(float value);
  void append_float64(double value);
  void append_string(std::string_view value);
  void append_date32(int32_t days);
  void append_timestamp(int64_t micros);
  // Appends every row of `column` (same type), nulls included.
  void append_column(const Column& column);

  // The column built so far; the builder is empty afterwards.
  Column finish(Device device = Device::cpu());

 private:
  void expect(DataType type, const char* what) const;
  void mark_valid();
  template <typename T>
  void append_fixed(T value);

  DataType type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  std::vector<uint8_t> data_;      // values, bits (bool) or characters (string)
  std::vector<uint8_t> validity_;  // empty until the first null
  std::vector<int32_t> offsets_;   // strings: length_ + 1 entries
};

// One column holding the rows of `parts` in order (all of the same type).
NIMBUS_API Column concat_columns(const std::vector<Column>& parts, DataType type);

}  // namespace nimbus::analytics
