#pragma once
// Vector: one expression node's values for one chunk of rows — the evaluator's working unit
// (internal to the evaluator; results leave as Columns).
//
// Note [Chunk vectors]
// A chunk is at most kChunkRows rows. Inside a chunk, values are unpacked for simple loops: a bool
// is a byte (0/1), a string a std::string_view, validity one byte per row (1 = valid; an empty
// validity means every row is valid). Fixed-width column values are borrowed from the column's
// buffer, not copied. Strings that a node creates (lower, concat, casts to text) live in the
// chunk's StringArena, which is reset after the chunk's result is written out, so string views
// stay valid for the whole evaluation of a chunk. The values under a null row are unspecified but
// always safe to compute on (zeros or empty strings), so loops run over every row without
// branching on validity.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "analytics/expr/value.h"

namespace nimbus::analytics {

// 2048 rows (DuckDB's vector size): a float64 vector is 16 KiB, so a node's operands and result
// stay in L1/L2 cache while a subtree runs, and a table of a few hundred thousand rows still has
// enough chunks to keep every thread busy.
inline constexpr int64_t kChunkRows = 2048;

// Bump allocation of the strings a chunk creates; reset() keeps the blocks for the next chunk.
class StringArena {
 public:
  char* allocate(size_t bytes);
  std::string_view store(std::string_view text);
  void reset();

 private:
  static constexpr size_t kBlockBytes = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> blocks_;     // kBlockBytes each, reused across chunks
  std::vector<std::unique_ptr<char[]>> oversized_;  // single strings larger than a block
  size_t block_ = 0, used_ = kBlockBytes;           // position in blocks_[block_ - 1]
};

class Vector {
 public:
  Vector(DataType type, int64_t rows) : type_(type), rows_(rows) {}
  Vector(Vector&&) = default;
  Vector& operator=(Vector&&) = default;
  Vector(const Vector&) = delete;
  Vector& operator=(const Vector&) = delete;

  DataType type() const { return type_; }
  int64_t rows() const { return rows_; }

  template <typename T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }
  // Fresh zeroed storage for `rows` values of T (the chunk type of the vector's DataType).
  template <typename T>
  T* allocate() {
    storage_.assign((static_cast<size_t>(rows_) * sizeof(T) + 7) / 8 + 1, 0);
    data_ = storage_.data();
    return reinterpret_cast<T*>(storage_.data());
  }
  // The storage allocate() made, for filling in place.
  template <typename T>
  T* mutable_data() {
    return reinterpret_cast<T*>(storage_.data());
  }
  // Uses values owned elsewhere (a column's buffer) that outlive the chunk.
  void borrow(const void* values) { data_ = values; }

  bool all_valid() const { return validity_.empty(); }
  bool valid(int64_t i) const { return validity_.empty() || validity_[static_cast<size_t>(i)]; }
  const std::vector<uint8_t>& validity() const { return validity_; }
  // The validity bytes, created (all `fill`) if the vector had none.
  uint8_t* make_validity(uint8_t fill = 1) {
    if (validity_.empty()) validity_.assign(static_cast<size_t>(rows_), fill);
    return validity_.data();
  }
  void set_validity(std::vector<uint8_t> validity) { validity_ = std::move(validity); }
  // Drops the validity bytes when every row is valid.
  void compact_validity();

 private:
  DataType type_;
  int64_t rows_;
  const void* data_ = nullptr;
  std::vector<uint64_t> storage_;  // 8-byte aligned, enough for every chunk type
  std::vector<uint8_t> validity_;
};

// Calls f.template operator()<T>() with T the chunk type of `type` (Note [Chunk vectors]):
// uint8_t for bool, int32_t for int32 and date32, int64_t for int64 and timestamp, float, double,
// std::string_view for string.
template <typename F>
decltype(auto) visit_chunk_type(DataType type, F&& f) {
  switch (type) {
    case DataType::boolean: return f.template operator()<uint8_t>();
    case DataType::int32:
    case DataType::date32: return f.template operator()<int32_t>();
    case DataType::int64:
    case DataType::timestamp: return f.template operator()<int64_t>();
    case DataType::float32: return f.template operator()<float>();
    case DataType::float64: return f.template operator()<double>();
    case DataType::string: break;
  }
  return f.template operator()<std::string_view>();
}

// The validity of a row-wise function of a and b: valid where both are.
std::vector<uint8_t> and_validity(const Vector& a, const Vector& b);
// Valid where every one of `vectors` is (empty when all rows of all of them are valid).
std::vector<uint8_t> validity_of_all(const std::vector<Vector>& vectors);
// `rows` copies of `value` (strings are views into the Value, which must outlive the vector).
Vector vector_of(const Value& value, int64_t rows);
// Row i of `vector` as a Value.
Value value_at(const Vector& vector, int64_t i);

}  // namespace nimbus::analytics
