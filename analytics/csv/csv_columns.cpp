#include "analytics/csv/csv_columns.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "runtime/error.h"

namespace nimbus::analytics::csv {

void ColumnPiece::set_type(DataType type) {
  NIMBUS_CHECK(null_count_ == length_, "ColumnPiece::set_type: the piece already holds values");
  typed_ = true;
  type_ = type;
  // The slots under the nulls so far hold zeros (an empty string), as ColumnBuilder leaves them.
  const auto n = static_cast<size_t>(length_);
  switch (type_) {
    case DataType::boolean: bools_.assign(n, 0); break;
    case DataType::int32:
    case DataType::date32: i32_.assign(n, 0); break;
    case DataType::int64:
    case DataType::timestamp: i64_.assign(n, 0); break;
    case DataType::float32: f32_.assign(n, 0); break;
    case DataType::float64: f64_.assign(n, 0); break;
    case DataType::string: ends_.assign(n, 0); break;
  }
}

void ColumnPiece::grow_capacity(double factor) {
  const auto more = [factor](auto& values) { values.reserve(static_cast<size_t>(static_cast<double>(values.size()) * factor)); };
  more(nulls_);
  more(bools_);
  more(i32_);
  more(i64_);
  more(f32_);
  more(f64_);
  more(chars_);
  more(ends_);
}

void ColumnPiece::append_null() {
  if (nulls_.empty()) nulls_.assign(static_cast<size_t>(length_), 0);
  nulls_.push_back(1);
  if (typed_) {
    switch (type_) {
      case DataType::boolean: bools_.push_back(0); break;
      case DataType::int32:
      case DataType::date32: i32_.push_back(0); break;
      case DataType::int64:
      case DataType::timestamp: i64_.push_back(0); break;
      case DataType::float32: f32_.push_back(0); break;
      case DataType::float64: f64_.push_back(0); break;
      case DataType::string: ends_.push_back(static_cast<uint32_t>(chars_.size())); break;
    }
  }
  ++null_count_;
  ++length_;
}

namespace {

Buffer allocate(size_t nbytes) { return Buffer::allocate(nbytes, Device::cpu()); }

template <typename T>
void copy_values(const std::vector<T>& values, size_t length, T* to) {
  if (values.empty()) {
    std::fill(to, to + length, T{});  // an untyped piece: nulls only
  } else {
    std::memcpy(to, values.data(), length * sizeof(T));
  }
}

}  // namespace

Column assemble_column(DataType type, const std::vector<const ColumnPiece*>& pieces) {
  int64_t length = 0, null_count = 0;
  size_t chars = 0;
  for (const ColumnPiece* piece : pieces) {
    NIMBUS_CHECK(!piece->typed_ || piece->type_ == type, "assemble_column: a ", data_type_name(piece->type_),
                 " piece in a ", data_type_name(type), " column");
    length += piece->length_;
    null_count += piece->null_count_;
    chars += piece->chars_.size();
  }
  const auto rows = static_cast<size_t>(length);

  Buffer validity;
  if (null_count > 0) {
    validity = allocate(static_cast<size_t>(bitmap_bytes(length)));
    auto* bits = static_cast<uint8_t*>(validity.data());
    std::memset(bits, 0, static_cast<size_t>(bitmap_bytes(length)));
    int64_t row = 0;
    for (const ColumnPiece* piece : pieces) {
      for (int64_t i = 0; i < piece->length_; ++i, ++row) {
        const bool valid = piece->nulls_.empty() || piece->nulls_[static_cast<size_t>(i)] == 0;
        if (valid) bits[row >> 3] = static_cast<uint8_t>(bits[row >> 3] | (1u << (row & 7)));
      }
    }
  }

  Buffer data, offsets;
  if (type == DataType::string) {
    // Arrow's string type has int32 offsets: at most 2 GiB of characters per column.
    NIMBUS_CHECK_T(ShapeError, chars <= static_cast<size_t>(std::numeric_limits<int32_t>::max()),
                   "ColumnBuilder: a string column holds at most 2147483647 bytes of characters");
    data = allocate(chars);
    offsets = allocate((rows + 1) * sizeof(int32_t));
    auto* to_chars = static_cast<char*>(data.data());
    auto* to_offsets = static_cast<int32_t*>(offsets.data());
    size_t base = 0;
    *to_offsets++ = 0;
    for (const ColumnPiece* piece : pieces) {
      if (!piece->chars_.empty()) std::memcpy(to_chars + base, piece->chars_.data(), piece->chars_.size());
      if (piece->ends_.empty()) {
        to_offsets = std::fill_n(to_offsets, piece->length_, static_cast<int32_t>(base));
      } else {
        for (const uint32_t end : piece->ends_) *to_offsets++ = static_cast<int32_t>(base + end);
      }
      base += piece->chars_.size();
    }
  } else if (type == DataType::boolean) {
    const auto nbytes = static_cast<size_t>(bitmap_bytes(length));
    data = allocate(nbytes);
    auto* bits = static_cast<uint8_t*>(data.data());
    std::memset(bits, 0, nbytes);
    int64_t row = 0;
    for (const ColumnPiece* piece : pieces) {
      for (int64_t i = 0; i < piece->length_; ++i, ++row) {
        if (!piece->bools_.empty() && piece->bools_[static_cast<size_t>(i)] != 0)
          bits[row >> 3] = static_cast<uint8_t>(bits[row >> 3] | (1u << (row & 7)));
      }
    }
  } else {
    const auto width = static_cast<size_t>(fixed_width(type));
    data = allocate(rows * width);
    auto* to = static_cast<uint8_t*>(data.data());
    for (const ColumnPiece* piece : pieces) {
      const auto n = static_cast<size_t>(piece->length_);
      switch (type) {
        case DataType::int32:
        case DataType::date32: copy_values(piece->i32_, n, reinterpret_cast<int32_t*>(to)); break;
        case DataType::int64:
        case DataType::timestamp: copy_values(piece->i64_, n, reinterpret_cast<int64_t*>(to)); break;
        case DataType::float32: copy_values(piece->f32_, n, reinterpret_cast<float*>(to)); break;
        case DataType::float64: copy_values(piece->f64_, n, reinterpret_cast<double*>(to)); break;
        default: break;
      }
      to += n * width;
    }
  }
  Column column(type, length, std::move(data), std::move(validity), std::move(offsets), 0, null_count);
  // Codes are computed the first time an operator asks (Note [String codes] in column.h).
  if (type == DataType::string) return column.with_string_codes_on_demand();
  return column;
}

}  // namespace nimbus::analytics::csv
