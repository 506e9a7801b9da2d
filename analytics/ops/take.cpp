#include "analytics/ops/take.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "analytics/ops/column_buffers.h"
#include "analytics/ops/device_dispatch.h"
#include "analytics/ops/ops_parallel.h"

namespace nimbus::analytics {

namespace {

// Rows per task. A multiple of 8, so tasks never share a byte of an output bitmap.
constexpr int64_t kTakeBlock = 16384;

// Calls body(begin, end) over blocks of the output rows, in parallel.
template <typename Body>
void for_blocks(int64_t rows, int threads, const Body& body) {
  const int64_t blocks = (rows + kTakeBlock - 1) / kTakeBlock;
  detail::run_tasks(blocks, threads, [&](int64_t block) {
    body(block * kTakeBlock, std::min(rows, (block + 1) * kTakeBlock));
  });
}

Buffer zeroed_bitmap(int64_t rows) {
  Buffer bits = detail::host_buffer(static_cast<size_t>(bitmap_bytes(rows)));
  std::memset(bits.data(), 0, static_cast<size_t>(bitmap_bytes(rows)));
  return bits;
}

template <typename T>
Buffer gather_fixed(const Column& column, std::span<const int64_t> indices, int threads) {
  const auto rows = static_cast<int64_t>(indices.size());
  Buffer data = detail::host_buffer(indices.size() * sizeof(T));
  const T* from = column.values<T>();
  T* to = static_cast<T*>(data.data());
  for_blocks(rows, threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t row = indices[static_cast<size_t>(i)];
      to[i] = row == kNullRow ? T{} : from[row];
    }
  });
  return data;
}

Buffer gather_bools(const Column& column, std::span<const int64_t> indices, int threads) {
  const auto rows = static_cast<int64_t>(indices.size());
  Buffer data = zeroed_bitmap(rows);
  const auto* from = static_cast<const uint8_t*>(column.data().data());
  auto* to = static_cast<uint8_t*>(data.data());
  for_blocks(rows, threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t row = indices[static_cast<size_t>(i)];
      if (row != kNullRow && get_bit(from, column.offset() + row)) set_bit(to, i, true);
    }
  });
  return data;
}

// Offsets first (a running sum, which also checks Arrow's 2 GiB limit), then the characters.
Column gather_strings(const Column& column, std::span<const int64_t> indices, Buffer validity, int threads) {
  const auto rows = static_cast<int64_t>(indices.size());
  Buffer offsets = detail::host_buffer(static_cast<size_t>(rows + 1) * sizeof(int32_t));
  auto* to_offsets = static_cast<int32_t*>(offsets.data());
  const int32_t* from_offsets = column.raw_offsets();
  int64_t total = 0;
  to_offsets[0] = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t row = indices[static_cast<size_t>(i)];
    if (row != kNullRow) total += from_offsets[row + 1] - from_offsets[row];
    NIMBUS_CHECK_T(ShapeError, total <= std::numeric_limits<int32_t>::max(),
                   "take: the result would hold more than 2147483647 bytes of characters, the limit of a string column");
    to_offsets[i + 1] = static_cast<int32_t>(total);
  }
  Buffer chars = detail::host_buffer(static_cast<size_t>(total));
  const char* from_chars = column.raw_chars();
  auto* to_chars = static_cast<char*>(chars.data());
  for_blocks(rows, threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t row = indices[static_cast<size_t>(i)];
      if (row == kNullRow) continue;
      std::memcpy(to_chars + to_offsets[i], from_chars + from_offsets[row],
                  static_cast<size_t>(to_offsets[i + 1] - to_offsets[i]));
    }
  });
  return Column(DataType::string, rows, std::move(chars), std::move(validity), std::move(offsets));
}

// Checks that every index is kNullRow or a row of `length` rows; says whether any is kNullRow.
bool check_indices(std::span<const int64_t> indices, int64_t length) {
  bool any_null_index = false;
  for (size_t i = 0; i < indices.size(); ++i) {
    const int64_t row = indices[i];
    if (row == kNullRow) {
      any_null_index = true;
      continue;
    }
    NIMBUS_CHECK_T(ShapeError, row >= 0 && row < length, "take: index ", row, " (position ", i,
                   ") is outside a column of ", length, " rows");
  }
  return any_null_index;
}

}  // namespace

Column take(const Column& column, std::span<const int64_t> indices, const ExecOptions& options) {
  const auto rows = static_cast<int64_t>(indices.size());
  const bool any_null_index = check_indices(indices, column.length());
  // A column on a device is gathered there (Note [Device operators] in device_ops.h).
  if (!column.device().is_cpu()) {
    return detail::take_on_device(column, detail::upload_rows(indices, column.device()), any_null_index);
  }
  const int threads = options.threads;

  Buffer validity;
  if (column.has_nulls() || any_null_index) {
    validity = zeroed_bitmap(rows);
    auto* bits = static_cast<uint8_t*>(validity.data());
    for_blocks(rows, threads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t row = indices[static_cast<size_t>(i)];
        if (row != kNullRow && column.is_valid(row)) set_bit(bits, i, true);
      }
    });
    if (count_set_bits(bits, 0, rows) == rows) validity = Buffer();  // no nulls were taken: no bitmap (Note [Column layout])
  }

  switch (column.type()) {
    case DataType::boolean:
      return Column(DataType::boolean, rows, gather_bools(column, indices, threads), std::move(validity));
    case DataType::string: return gather_strings(column, indices, std::move(validity), threads);
    case DataType::int32:
    case DataType::date32:
      return Column(column.type(), rows, gather_fixed<int32_t>(column, indices, threads), std::move(validity));
    case DataType::int64:
    case DataType::timestamp:
      return Column(column.type(), rows, gather_fixed<int64_t>(column, indices, threads), std::move(validity));
    case DataType::float32:
      return Column(column.type(), rows, gather_fixed<float>(column, indices, threads), std::move(validity));
    case DataType::float64:
      return Column(column.type(), rows, gather_fixed<double>(column, indices, threads), std::move(validity));
  }
  NIMBUS_THROW(DTypeError, "take: unknown column type");
}

Table take(const Table& table, std::span<const int64_t> indices, const ExecOptions& options) {
  const Device device = detail::table_device(table, "take");
  if (!device.is_cpu()) {  // the indices go to the device once for every column
    const bool any_null_index = check_indices(indices, table.num_rows());
    return detail::take_on_device(table, detail::upload_rows(indices, device), any_null_index);
  }
  std::vector<Column> columns;
  columns.reserve(table.columns().size());
  for (const Column& column : table.columns()) columns.push_back(take(column, indices, options));
  return Table(table.names(), std::move(columns));
}

}  // namespace nimbus::analytics
