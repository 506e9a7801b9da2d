// Moving columns and tables between devices.
//
// A column copies only the bytes its rows use, so moving a slice of a large table does not move
// the whole table. One offset applies to every buffer of a column (Note [Column layout]), and a
// bitmap can only be cut at a byte boundary, so the copy starts at the row `offset - offset % 8`
// and the new column keeps `offset % 8` as its offset. String offsets keep pointing into the
// characters, which are copied whole (their used range could only be found by reading the
// offsets, which may be in device memory).
#include <algorithm>

#include "analytics/column.h"
#include "analytics/table.h"
#include "runtime/tensor.h"

namespace nimbus::analytics {

namespace {

// Bytes [begin, end) of `source` in a new buffer on `device`; undefined in, undefined out.
Buffer copy_bytes(const Buffer& source, int64_t begin, int64_t end, Device device) {
  if (!source.defined()) return {};
  const int64_t n = std::max<int64_t>(end - begin, 0);
  Buffer out = Buffer::allocate(static_cast<size_t>(n), device);
  if (n > 0) {
    const Tensor from(source, DType::u8, {n}, {1}, begin);
    Tensor(out, DType::u8, {n}, {1}, 0).copy_(from);
  }
  return out;
}

}  // namespace

Column Column::copy(Device device) const {
  const int64_t new_offset = offset_ % 8, base = offset_ - new_offset, end = offset_ + length_;
  const Buffer validity = copy_bytes(validity_, base / 8, bitmap_bytes(end), device);
  Buffer data, offsets;
  switch (type_) {
    case DataType::boolean:
      data = copy_bytes(data_, base / 8, bitmap_bytes(end), device);
      break;
    case DataType::string:
      offsets = copy_bytes(offsets_, base * 4, (end + 1) * 4, device);
      data = copy_bytes(data_, 0, static_cast<int64_t>(data_.nbytes()), device);
      break;
    default:
      data = copy_bytes(data_, base * fixed_width(type_), end * fixed_width(type_), device);
      break;
  }
  return Column(type_, length_, data, validity, offsets, new_offset, null_count_);
}

Table Table::to(Device device) const {
  std::vector<Column> moved;
  moved.reserve(columns_.size());
  for (const Column& column : columns_) moved.push_back(column.to(device));
  Table table(names_, std::move(moved));
  table.rows_ = rows_;
  return table;
}

}  // namespace nimbus::analytics
