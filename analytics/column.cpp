#include "analytics/column.h"

#include <atomic>
#include <cstring>
#include <mutex>

#include "analytics/ops/string_codes.h"
#include "analytics/value_text.h"

namespace nimbus::analytics {

// Note [String codes]: the codes of rows [0, rows) of the buffers that a column, its copies and
// its slices share, given or computed once on demand.
struct Column::StringCodeHolder {
  explicit StringCodeHolder(int64_t rows) : rows(rows) {}

  const int64_t rows;
  std::once_flag once;
  std::atomic<bool> ready{false};  // codes and count are set (released after they are written)
  Buffer codes;
  int64_t count = 0;
};

Column::Column(DataType type, int64_t length, Buffer data, Buffer validity, Buffer offsets, int64_t offset)
    : type_(type), length_(length), offset_(offset), data_(std::move(data)), validity_(std::move(validity)),
      offsets_(std::move(offsets)) {
  NIMBUS_CHECK_T(ShapeError, length >= 0 && offset >= 0, "Column: negative length ", length, " or offset ", offset);
  const int64_t end = offset + length;
  const auto need = [&](const Buffer& buffer, int64_t bytes, const char* what) {
    NIMBUS_CHECK_T(ShapeError, static_cast<int64_t>(buffer.nbytes()) >= bytes, "Column: ", data_type_name(type),
                   " column of ", length, " values at offset ", offset, " needs ", bytes, " bytes of ", what,
                   ", the buffer has ", buffer.nbytes());
  };
  if (validity_.defined()) need(validity_, bitmap_bytes(end), "validity bitmap");
  if (type == DataType::boolean) {
    need(data_, bitmap_bytes(end), "bits");
  } else if (type == DataType::string) {
    need(offsets_, (end + 1) * 4, "offsets");
    if (length > 0) {
      const int32_t first = raw_offsets()[0], last = raw_offsets()[length];
      NIMBUS_CHECK_T(ShapeError, first >= 0 && first <= last && last <= static_cast<int64_t>(data_.nbytes()),
                     "Column: string offsets ", first, "..", last, " are outside the ", data_.nbytes(),
                     " bytes of characters");
    }
  } else {
    need(data_, end * fixed_width(type), "values");
  }
  if (validity_.defined()) {
    null_count_ = length - count_set_bits(static_cast<const uint8_t*>(validity_.data()), offset, length);
  }
}

Column::Column(DataType type, int64_t length, Buffer data, Buffer validity, Buffer offsets, int64_t offset,
               int64_t null_count)
    : type_(type), length_(length), offset_(offset), null_count_(null_count), data_(std::move(data)),
      validity_(std::move(validity)), offsets_(std::move(offsets)) {
  NIMBUS_CHECK_T(ShapeError, length >= 0 && offset >= 0 && null_count >= 0 && null_count <= length,
                 "Column: length ", length, ", offset ", offset, " and null count ", null_count, " do not fit");
  NIMBUS_CHECK_T(ShapeError, null_count == 0 || validity_.defined(), "Column: ", null_count,
                 " nulls but no validity bitmap");
}

void Column::check_index(int64_t i) const {
  NIMBUS_CHECK_T(ShapeError, i >= 0 && i < length_, "Column: row ", i, " is outside a column of ", length_,
                 " rows");
}

bool Column::bool_value(int64_t i) const {
  NIMBUS_CHECK_T(DTypeError, type_ == DataType::boolean, "Column::bool_value: the column is ", data_type_name(type_));
  check_index(i);
  return get_bit(static_cast<const uint8_t*>(data_.data()), offset_ + i);
}

std::string_view Column::string_value(int64_t i) const {
  NIMBUS_CHECK_T(DTypeError, type_ == DataType::string, "Column::string_value: the column is ",
                 data_type_name(type_));
  check_index(i);
  const int32_t* offsets = raw_offsets();
  return {raw_chars() + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i])};
}

std::string Column::value_text(int64_t i) const {
  check_index(i);
  if (is_null(i)) return "null";
  return format_value(*this, i);
}

Column Column::slice(int64_t start, int64_t length) const {
  NIMBUS_CHECK_T(ShapeError, start >= 0 && length >= 0 && start + length <= length_, "Column::slice: rows ", start,
                 "..", start + length, " are outside a column of ", length_, " rows");
  Column out(type_, length, data_, validity_, offsets_, offset_ + start);
  out.string_codes_ = string_codes_;
  return out;
}

bool Column::has_string_codes() const {
  return string_codes_ && string_codes_->ready.load(std::memory_order_acquire);
}

const uint32_t* Column::string_codes() const {
  NIMBUS_CHECK(has_string_codes(), "Column::string_codes: the column carries no codes (Note [String codes])");
  return static_cast<const uint32_t*>(string_codes_->codes.data()) + offset_;
}

int64_t Column::string_code_count() const { return has_string_codes() ? string_codes_->count : 0; }

Column Column::with_string_codes(Buffer codes, int64_t count) const {
  NIMBUS_CHECK_T(DTypeError, type_ == DataType::string, "Column::with_string_codes: the column is ",
                 data_type_name(type_), ", not string");
  NIMBUS_CHECK_T(ShapeError, count > 0 && codes.nbytes() >= static_cast<size_t>(offset_ + length_) * sizeof(uint32_t),
                 "Column::with_string_codes: ", count, " codes in a buffer of ", codes.nbytes(), " bytes for ",
                 offset_ + length_, " rows");
  auto holder = std::make_shared<StringCodeHolder>(offset_ + length_);
  holder->codes = std::move(codes);
  holder->count = count;
  holder->ready.store(true, std::memory_order_release);
  Column out = *this;
  out.string_codes_ = std::move(holder);
  return out;
}

Column Column::with_string_codes_on_demand() const {
  NIMBUS_CHECK_T(DTypeError, type_ == DataType::string, "Column::with_string_codes_on_demand: the column is ",
                 data_type_name(type_), ", not string");
  NIMBUS_CHECK(device().is_cpu(), "Column::with_string_codes_on_demand: the column is not on the CPU");
  Column out = *this;
  out.string_codes_ = std::make_shared<StringCodeHolder>(offset_ + length_);
  return out;
}

bool Column::ensure_string_codes(int threads) const {
  if (!string_codes_) return false;
  StringCodeHolder& holder = *string_codes_;
  if (holder.ready.load(std::memory_order_acquire)) return true;
  if (length_ * 4 < holder.rows) return false;  // a small slice: coding every row would cost more than it saves
  std::call_once(holder.once, [&] {
    detail::CodedStrings coded = detail::code_strings(static_cast<const int32_t*>(offsets_.data()), raw_chars(),
                                                      holder.rows, threads);
    holder.codes = std::move(coded.codes);
    holder.count = coded.count;
    holder.ready.store(true, std::memory_order_release);
  });
  return holder.ready.load(std::memory_order_acquire);
}

bool Column::equals(const Column& other) const {
  if (type_ != other.type_ || length_ != other.length_ || null_count_ != other.null_count_) return false;
  for (int64_t i = 0; i < length_; ++i) {
    if (is_valid(i) != other.is_valid(i)) return false;
    if (is_null(i)) continue;
    switch (type_) {
      case DataType::boolean:
        if (bool_value(i) != other.bool_value(i)) return false;
        break;
      case DataType::string:
        if (string_value(i) != other.string_value(i)) return false;
        break;
      default: {
        const auto width = static_cast<size_t>(fixed_width(type_));
        const auto* a = static_cast<const char*>(data_.data()) + (offset_ + i) * static_cast<int64_t>(width);
        const auto* b = static_cast<const char*>(other.data_.data()) + (other.offset_ + i) * static_cast<int64_t>(width);
        if (std::memcmp(a, b, width) != 0) return false;
      }
    }
  }
  return true;
}

}  // namespace nimbus::analytics
