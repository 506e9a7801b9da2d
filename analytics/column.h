#pragma once
// Column: one typed array in the Apache Arrow physical layout, over the runtime's shared buffers.
//
// Note [Column layout]
// - `data`: the values. Fixed-width types hold one value after another (int32, int64, float32,
//   float64, date32 as int32 days, timestamp as int64 µs). bool is bit-packed like Arrow (bit i%8
//   of byte i/8, LSB first): a 10-million-row bool column is 1.25 MB, and Arrow export needs no
//   conversion. (A bool column therefore cannot be a bool Tensor, which stores a byte a value.)
//   For strings, `data` holds the UTF-8 characters of all values back to back.
// - `offsets` (strings only): length + 1 int32 entries; value i is chars[offsets[i], offsets[i+1]).
// - `validity`: optional bitmap in the same bit order, 1 = valid, 0 = null. No bitmap means no
//   nulls, which is what lets a numeric column become a Tensor on the same buffer. The bytes under a
//   null are unspecified (zero when built by ColumnBuilder).
// - `offset`: where the column starts in its buffers, in values (and in bits of the bitmaps). A
//   slice changes offset and length and shares every buffer, as Arrow's ArrayData does.
// - `codes` (strings only, optional; Note [String codes]): a uint32 code per value, given or
//   computed on demand.
// Columns are values: copying one copies buffer handles, never bytes. Buffers are shared, so a
// write through mutable_values() is seen by every column and tensor on the same buffer.
//
// Note [String codes]
// A string column may carry a dictionary code per value beside its characters: equal strings have
// equal codes and different strings different codes, all in [0, string_code_count()); the code
// under a null is some code in that range. Grouping by coded strings reads 4-byte codes instead of
// hashing and comparing characters (Note [Key words] in ops/key_encoding.h).
// The CSV reader does not code while it reads (that made a load twice as slow); its string
// columns are coded on demand instead: they share one holder, created with the column, that
// computes the codes the first time an operator calls ensure_string_codes() (std::call_once, so
// concurrent queries code once and wait for each other) and keeps them for every copy and slice
// of the column. The first group-by or distinct over a column pays what coding its strings for
// that one query costs anyway; every later one reads the codes. The holder codes every row of the
// buffers, so a slice of under a quarter of them does not start the work (it would code rows it
// does not have); it uses codes already there. Operators that build new string columns (take,
// filter, concatenation, transfers) return columns without codes, and everything that reads a
// column works with or without them.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "analytics/bitmap.h"
#include "analytics/data_type.h"
#include "runtime/buffer.h"
#include "runtime/error.h"

namespace nimbus::analytics {

class NIMBUS_API Column {
 public:
  Column() = default;  // an empty int32 column
  // Assembles a column from its buffers, checking that they are large enough for offset + length
  // (and, for strings, that the offsets are in range). `validity` may be undefined (no nulls).
  Column(DataType type, int64_t length, Buffer data, Buffer validity = {}, Buffer offsets = {}, int64_t offset = 0);
  // The same from buffers whose null count is already known, which may live on any device: nothing
  // is read from them (the checks that need their contents are the caller's).
  Column(DataType type, int64_t length, Buffer data, Buffer validity, Buffer offsets, int64_t offset,
         int64_t null_count);

  DataType type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t offset() const { return offset_; }
  int64_t null_count() const { return null_count_; }
  bool has_nulls() const { return null_count_ > 0; }
  Device device() const { return data_.device(); }
  const Buffer& data() const { return data_; }
  const Buffer& validity() const { return validity_; }  // undefined when the column has no bitmap
  const Buffer& offsets() const { return offsets_; }    // strings only

  bool is_valid(int64_t i) const {
    return !validity_.defined() || get_bit(static_cast<const uint8_t*>(validity_.data()), offset_ + i);
  }
  bool is_null(int64_t i) const { return !is_valid(i); }

  // Address of value 0 for fixed-width columns; throws DTypeError when T is not how the type is
  // stored (int32_t for int32 and date32, int64_t for int64 and timestamp, float, double).
  template <typename T>
  const T* values() const {
    check_stored_as<T>("values");
    return static_cast<const T*>(data_.data()) + offset_;
  }
  template <typename T>
  T* mutable_values() const {
    check_stored_as<T>("mutable_values");
    return static_cast<T*>(data_.data()) + offset_;
  }
  // Value i of a fixed-width column (unspecified for a null).
  template <typename T>
  T value(int64_t i) const {
    check_index(i);
    return values<T>()[i];
  }
  bool bool_value(int64_t i) const;
  std::string_view string_value(int64_t i) const;
  // The value as text: "null" for nulls, shortest round-trip floats, YYYY-MM-DD dates,
  // "YYYY-MM-DD HH:MM:SS[.ffffff]" timestamps.
  std::string value_text(int64_t i) const;

  // Rows [start, start + length) sharing this column's buffers.
  Column slice(int64_t start, int64_t length) const;
  // A copy on `device` of the bytes the rows use: a slice of a large column copies only its rows
  // (see column_transfer.cpp).
  Column copy(Device device) const;
  // The column itself when it is already on `device`, else copy(device).
  Column to(Device device) const { return device == this->device() ? *this : copy(device); }
  // Same type, length, nulls and values (floats compared by bits, so NaN equals NaN).
  bool equals(const Column& other) const;

  // Note [String codes]: whether the column carries its codes now (given, or computed by an
  // earlier ensure_string_codes on it, a copy or a slice), the code of each row (from row 0 of the
  // column, like values()), and how many distinct codes there are.
  bool has_string_codes() const;
  const uint32_t* string_codes() const;
  int64_t string_code_count() const;
  // This string column with `codes` (one uint32 per row of its buffers, each below `count`) beside
  // its values; the caller vouches for Note [String codes]'s rule.
  Column with_string_codes(Buffer codes, int64_t count) const;
  // This string column (on the CPU) able to code every row of its buffers on demand.
  Column with_string_codes_on_demand() const;
  // has_string_codes(), after computing the codes with up to `threads` threads (0: all) when the
  // column codes on demand, has none yet and is not a small slice. Thread-safe; once per holder.
  bool ensure_string_codes(int threads = 0) const;

  const int32_t* raw_offsets() const { return static_cast<const int32_t*>(offsets_.data()) + offset_; }
  const char* raw_chars() const { return static_cast<const char*>(data_.data()); }

 private:
  template <typename T>
  void check_stored_as(const char* what) const {
    NIMBUS_CHECK_T(DTypeError, stores_as<T>(type_), "Column::", what, ": the column is ", data_type_name(type_),
                   ", which is not stored as the type asked for");
  }
  void check_index(int64_t i) const;

  DataType type_ = DataType::int32;
  int64_t length_ = 0;
  int64_t offset_ = 0;
  int64_t null_count_ = 0;
  Buffer data_;
  Buffer validity_;
  Buffer offsets_;
  struct StringCodeHolder;  // Note [String codes]; defined in column.cpp
  std::shared_ptr<StringCodeHolder> string_codes_;  // shared by copies and slices
};

}  // namespace nimbus::analytics
