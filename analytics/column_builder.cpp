#include "analytics/column_builder.h"

#include <cstring>
#include <limits>

#include "runtime/tensor.h"

namespace nimbus::analytics {

namespace {

// A device buffer holding a copy of `bytes`, through the tensor factory that already knows how to
// reach every device.
Buffer to_buffer(const void* bytes, size_t nbytes, Device device) {
  if (nbytes == 0) return Buffer::allocate(0, device);
  return from_host(bytes, DType::u8, {static_cast<int64_t>(nbytes)}, device).buffer();
}

}  // namespace

ColumnBuilder::ColumnBuilder(DataType type) : type_(type) {
  if (type_ == DataType::string) offsets_.push_back(0);
}

void ColumnBuilder::reserve(int64_t values) {
  const auto n = static_cast<size_t>(values);
  if (type_ == DataType::boolean) data_.reserve(static_cast<size_t>(bitmap_bytes(values)));
  else if (type_ == DataType::string) offsets_.reserve(n + 1);
  else data_.reserve(n * static_cast<size_t>(fixed_width(type_)));
}

void ColumnBuilder::expect(DataType type, const char* what) const {
  NIMBUS_CHECK_T(DTypeError, type_ == type, "ColumnBuilder::", what, ": the builder is ", data_type_name(type_));
}

void ColumnBuilder::mark_valid() {
  if (!validity_.empty() || null_count_ > 0) {
    if (static_cast<int64_t>(validity_.size()) * 8 <= length_) validity_.push_back(0);
    set_bit(validity_.data(), length_, true);
  }
}

void ColumnBuilder::append_null() {
  if (validity_.empty() && null_count_ == 0) {
    // First null: every earlier value was valid.
    validity_.assign(static_cast<size_t>(bitmap_bytes(length_ + 1)), 0);
    for (int64_t i = 0; i < length_; ++i) set_bit(validity_.data(), i, true);
  } else if (static_cast<int64_t>(validity_.size()) * 8 <= length_) {
    validity_.push_back(0);
  }
  set_bit(validity_.data(), length_, false);
  // The slot under a null holds zeros (an empty string for strings).
  if (type_ == DataType::boolean) {
    if (static_cast<int64_t>(data_.size()) * 8 <= length_) data_.push_back(0);
  } else if (type_ == DataType::string) {
    offsets_.push_back(offsets_.back());
  } else {
    data_.resize(data_.size() + static_cast<size_t>(fixed_width(type_)), 0);
  }
  ++null_count_;
  ++length_;
}

template <typename T>
void ColumnBuilder::append_fixed(T value) {
  mark_valid();
  const size_t at = data_.size();
  data_.resize(at + sizeof(T));
  std::memcpy(data_.data() + at, &value, sizeof(T));
  ++length_;
}

void ColumnBuilder::append_bool(bool value) {
  expect(DataType::boolean, "append_bool");
  mark_valid();
  if (static_cast<int64_t>(data_.size()) * 8 <= length_) data_.push_back(0);
  set_bit(data_.data(), length_, value);
  ++length_;
}

void ColumnBuilder::append_int32(int32_t value) {
  expect(DataType::int32, "append_int32");
  append_fixed(value);
}
void ColumnBuilder::append_int64(int64_t value) {
  expect(DataType::int64, "append_int64");
  append_fixed(value);
}
void ColumnBuilder::append_float32(float value) {
  expect(DataType::float32, "append_float32");
  append_fixed(value);
}
void ColumnBuilder::append_float64(double value) {
  expect(DataType::float64, "append_float64");
  append_fixed(value);
}
void ColumnBuilder::append_date32(int32_t days) {
  expect(DataType::date32, "append_date32");
  append_fixed(days);
}
void ColumnBuilder::append_timestamp(int64_t micros) {
  expect(DataType::timestamp, "append_timestamp");
  append_fixed(micros);
}

void ColumnBuilder::append_string(std::string_view value) {
  expect(DataType::string, "append_string");
  // Arrow's string type has int32 offsets: at most 2 GiB of characters per column.
  NIMBUS_CHECK_T(ShapeError,
                 data_.size() + value.size() <= static_cast<size_t>(std::numeric_limits<int32_t>::max()),
                 "ColumnBuilder: a string column holds at most 2147483647 bytes of characters");
  mark_valid();
  data_.insert(data_.end(), value.begin(), value.end());
  offsets_.push_back(static_cast<int32_t>(data_.size()));
  ++length_;
}

void ColumnBuilder::append_column(const Column& column) {
  NIMBUS_CHECK_T(DTypeError, column.type() == type_, "ColumnBuilder::append_column: a ",
                 data_type_name(column.type()), " column appended to a ", data_type_name(type_), " builder");
  const int64_t n = column.length();
  if (is_fixed_width(type_) && !column.has_nulls() && validity_.empty()) {
    // The common case (no nulls anywhere): one memcpy of the values.
    const auto width = static_cast<size_t>(fixed_width(type_));
    const auto* from = static_cast<const uint8_t*>(column.data().data()) + column.offset() * static_cast<int64_t>(width);
    data_.insert(data_.end(), from, from + static_cast<size_t>(n) * width);
    length_ += n;
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (column.is_null(i)) {
      append_null();
      continue;
    }
    switch (type_) {
      case DataType::boolean: append_bool(column.bool_value(i)); break;
      case DataType::string: append_string(column.string_value(i)); break;
      case DataType::int32:
      case DataType::date32: append_fixed(column.value<int32_t>(i)); break;
      case DataType::int64:
      case DataType::timestamp: append_fixed(column.value<int64_t>(i)); break;
      case DataType::float32: append_fixed(column.value<float>(i)); break;
      case DataType::float64: append_fixed(column.value<double>(i)); break;
    }
  }
}

Column ColumnBuilder::finish(Device device) {
  Buffer validity;
  if (null_count_ > 0) validity = to_buffer(validity_.data(), validity_.size(), device);
  Buffer offsets;
  if (type_ == DataType::string) offsets = to_buffer(offsets_.data(), offsets_.size() * sizeof(int32_t), device);
  Buffer data = to_buffer(data_.data(), data_.size(), device);
  Column column(type_, length_, std::move(data), std::move(validity), std::move(offsets));
  *this = ColumnBuilder(type_);
  return column;
}

Column concat_columns(const std::vector<Column>& parts, DataType type) {
  if (parts.size() == 1 && parts[0].type() == type) return parts[0];
  ColumnBuilder builder(type);
  int64_t rows = 0;
  for (const Column& part : parts) rows += part.length();
  builder.reserve(rows);
  for (const Column& part : parts) builder.append_column(part);
  return builder.finish();
}

}  // namespace nimbus::analytics
