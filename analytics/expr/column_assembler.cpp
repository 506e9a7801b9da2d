#include "analytics/expr/column_assembler.h"

#include <cstring>
#include <limits>

#include "runtime/error.h"
#include "runtime/parallel.h"

namespace nimbus::analytics {

namespace {

// Bits [begin, begin + rows) of `bits` from one byte per row; begin is a multiple of 8.
void pack_bits(const uint8_t* bytes, int64_t rows, uint8_t* bits, int64_t begin) {
  uint8_t* out = bits + begin / 8;
  for (int64_t byte = 0; byte * 8 < rows; ++byte) {
    uint8_t packed = 0;
    for (int64_t bit = 0; bit < 8 && byte * 8 + bit < rows; ++bit) {
      packed = static_cast<uint8_t>(packed | ((bytes[byte * 8 + bit] != 0) << bit));
    }
    out[byte] = packed;
  }
}

}  // namespace

ColumnAssembler::ColumnAssembler(DataType type, int64_t rows)
    : type_(type), rows_(rows), null_counts_(static_cast<size_t>((rows + kChunkRows - 1) / kChunkRows), 0) {
  const int64_t bitmap = bitmap_bytes(rows);
  validity_ = Buffer::allocate(static_cast<size_t>(bitmap), Device::cpu());
  if (type == DataType::string) strings_.resize(null_counts_.size());
  else if (type == DataType::boolean) data_ = Buffer::allocate(static_cast<size_t>(bitmap), Device::cpu());
  else data_ = Buffer::allocate(static_cast<size_t>(rows * fixed_width(type)), Device::cpu());
}

void ColumnAssembler::write(int64_t index, int64_t begin, const Vector& chunk) {
  const int64_t rows = chunk.rows();
  auto* validity = static_cast<uint8_t*>(validity_.data());
  if (chunk.all_valid()) {
    const std::vector<uint8_t> ones(static_cast<size_t>(rows), 1);
    pack_bits(ones.data(), rows, validity, begin);
  } else {
    pack_bits(chunk.validity().data(), rows, validity, begin);
    for (uint8_t v : chunk.validity()) null_counts_[static_cast<size_t>(index)] += v == 0;
  }
  if (type_ == DataType::string) {
    ChunkStrings& out = strings_[static_cast<size_t>(index)];
    const auto* s = chunk.data<std::string_view>();
    out.lengths.resize(static_cast<size_t>(rows));
    for (int64_t i = 0; i < rows; ++i) {
      const std::string_view value = chunk.valid(i) ? s[i] : std::string_view();
      out.chars.append(value);
      out.lengths[static_cast<size_t>(i)] = static_cast<int32_t>(value.size());
    }
    return;
  }
  if (type_ == DataType::boolean) {
    std::vector<uint8_t> values(chunk.data<uint8_t>(), chunk.data<uint8_t>() + rows);
    for (int64_t i = 0; i < rows; ++i) values[static_cast<size_t>(i)] &= static_cast<uint8_t>(chunk.valid(i));
    pack_bits(values.data(), rows, static_cast<uint8_t*>(data_.data()), begin);
    return;
  }
  const int64_t width = fixed_width(type_);
  auto* out = static_cast<char*>(data_.data()) + begin * width;
  std::memcpy(out, chunk.data<char>(), static_cast<size_t>(rows * width));
  for (int64_t i = 0; i < rows; ++i) {
    if (!chunk.valid(i)) std::memset(out + i * width, 0, static_cast<size_t>(width));
  }
}

Column ColumnAssembler::finish() {
  int64_t nulls = 0;
  for (int64_t count : null_counts_) nulls += count;
  Buffer validity = nulls > 0 ? validity_ : Buffer();
  if (type_ != DataType::string) return Column(type_, rows_, data_, validity);

  // Chunk c's characters start after those of chunks 0..c-1.
  std::vector<int64_t> starts(strings_.size() + 1, 0);
  for (size_t c = 0; c < strings_.size(); ++c) starts[c + 1] = starts[c] + static_cast<int64_t>(strings_[c].chars.size());
  NIMBUS_CHECK_T(ShapeError, starts.back() <= std::numeric_limits<int32_t>::max(), "evaluate: the string result holds ",
                 starts.back(), " bytes; a string column holds at most 2147483647 (Arrow's int32 offsets)");
  Buffer chars = Buffer::allocate(static_cast<size_t>(starts.back()), Device::cpu());
  Buffer offsets = Buffer::allocate(static_cast<size_t>(rows_ + 1) * sizeof(int32_t), Device::cpu());
  auto* offset = static_cast<int32_t*>(offsets.data());
  offset[0] = 0;
  parallel_for(static_cast<int64_t>(strings_.size()), 1, [&](int64_t first, int64_t last) {
    for (int64_t c = first; c < last; ++c) {
      const ChunkStrings& chunk = strings_[static_cast<size_t>(c)];
      if (!chunk.chars.empty()) {
        std::memcpy(static_cast<char*>(chars.data()) + starts[static_cast<size_t>(c)], chunk.chars.data(),
                    chunk.chars.size());
      }
      auto at = static_cast<int32_t>(starts[static_cast<size_t>(c)]);
      for (size_t i = 0; i < chunk.lengths.size(); ++i) {
        at += chunk.lengths[i];
        offset[c * kChunkRows + static_cast<int64_t>(i) + 1] = at;
      }
    }
  });
  return Column(DataType::string, rows_, chars, validity, offsets);
}

}  // namespace nimbus::analytics
