#include "analytics/ops/join_take.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "analytics/bitmap.h"
#include "analytics/ops/column_buffers.h"
#include "analytics/ops/ops_parallel.h"
#include "analytics/ops/take.h"

namespace nimbus::analytics::detail {

namespace {

// Output rows per task. A multiple of 8, so tasks never share a byte of an output bitmap.
constexpr int64_t kBlock = 16384;
// Strings up to this long are copied as one fixed-size load and store (Note [Join output gather]).
constexpr int64_t kShortString = 16;
// How many rows ahead the string gather prefetches its random source reads.
constexpr int64_t kPrefetchAhead = 16;

// Calls body(block, begin, end) over blocks of the output rows, in parallel.
template <typename Body>
void for_blocks(int64_t rows, int threads, const Body& body) {
  const int64_t blocks = (rows + kBlock - 1) / kBlock;
  run_tasks(blocks, threads, [&](int64_t block) { body(block, block * kBlock, std::min(rows, (block + 1) * kBlock)); });
}

// The validity bitmap of the gathered column: undefined when no null was taken, as take() does.
Buffer gathered_validity(const Column& column, std::span<const int64_t> rows, bool may_have_null_rows, int threads) {
  if (!column.has_nulls() && !may_have_null_rows) return {};
  const auto n = static_cast<int64_t>(rows.size());
  Buffer validity = host_buffer(static_cast<size_t>(bitmap_bytes(n)));
  auto* bits = static_cast<uint8_t*>(validity.data());
  std::memset(bits, 0, static_cast<size_t>(bitmap_bytes(n)));
  for_blocks(n, threads, [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t row = rows[static_cast<size_t>(i)];
      if (row != kNullRow && column.is_valid(row)) set_bit(bits, i, true);
    }
  });
  if (count_set_bits(bits, 0, n) == n) return {};
  return validity;
}

template <typename T>
Buffer gather_fixed(const Column& column, std::span<const int64_t> rows, int threads) {
  Buffer data = host_buffer(rows.size() * sizeof(T));
  const T* from = column.values<T>();
  T* to = static_cast<T*>(data.data());
  for_blocks(static_cast<int64_t>(rows.size()), threads, [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t row = rows[static_cast<size_t>(i)];
      to[i] = row == kNullRow ? T{} : from[row];
    }
  });
  return data;
}

// Note [Join output gather]: each block's characters into a buffer of its own, then into place.
Column gather_strings(const Column& column, std::span<const int64_t> rows, Buffer validity, int threads) {
  const auto n = static_cast<int64_t>(rows.size());
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  Buffer offsets = host_buffer(static_cast<size_t>(n + 1) * sizeof(int32_t));
  auto* to_offsets = static_cast<int32_t*>(offsets.data());
  to_offsets[0] = 0;
  const int32_t* from_offsets = column.raw_offsets();
  const char* from_chars = column.raw_chars();
  const auto from_bytes = static_cast<int64_t>(column.data().nbytes());
  std::vector<std::vector<char>> block_chars(static_cast<size_t>(blocks));
  std::vector<int64_t> block_start(static_cast<size_t>(blocks) + 1, 0);
  for_blocks(n, threads, [&](int64_t block, int64_t begin, int64_t end) {
    // Two-stage prefetch: a row's offsets 2 * kPrefetchAhead rows ahead, its characters (whose
    // start is in cache by then) kPrefetchAhead rows ahead.
    const auto prefetch_offsets = [&](int64_t i) {
      const int64_t row = rows[static_cast<size_t>(i)];
      if (row != kNullRow) __builtin_prefetch(from_offsets + row);
    };
    const auto prefetch_chars = [&](int64_t i) {
      const int64_t row = rows[static_cast<size_t>(i)];
      if (row != kNullRow) __builtin_prefetch(from_chars + from_offsets[row]);
    };
    for (int64_t i = begin; i < std::min(end, begin + 2 * kPrefetchAhead); ++i) prefetch_offsets(i);
    for (int64_t i = begin; i < std::min(end, begin + kPrefetchAhead); ++i) prefetch_chars(i);
    std::vector<char>& chars = block_chars[static_cast<size_t>(block)];
    chars.resize(static_cast<size_t>(end - begin) * 8 + kShortString);
    int64_t at = 0;
    for (int64_t i = begin; i < end; ++i) {
      if (i + 2 * kPrefetchAhead < end) prefetch_offsets(i + 2 * kPrefetchAhead);
      if (i + kPrefetchAhead < end) prefetch_chars(i + kPrefetchAhead);
      const int64_t row = rows[static_cast<size_t>(i)];
      if (row != kNullRow) {
        const int64_t start = from_offsets[row];
        const int64_t length = from_offsets[row + 1] - start;
        if (at + std::max(length, kShortString) > static_cast<int64_t>(chars.size())) {
          chars.resize(std::max(chars.size() * 2, static_cast<size_t>(at + length + kShortString)));
        }
        // A short string is copied as kShortString bytes: the bytes past its end are overwritten
        // by the strings after it or lie past the block's characters.
        if (length <= kShortString && start + kShortString <= from_bytes) {
          std::memcpy(chars.data() + at, from_chars + start, kShortString);
        } else if (length > 0) {
          std::memcpy(chars.data() + at, from_chars + start, static_cast<size_t>(length));
        }
        at += length;
      }
      to_offsets[i + 1] = static_cast<int32_t>(std::min<int64_t>(at, std::numeric_limits<int32_t>::max()));
    }
    block_start[static_cast<size_t>(block) + 1] = at;
  });
  for (size_t b = 0; b < static_cast<size_t>(blocks); ++b) block_start[b + 1] += block_start[b];
  const int64_t total = block_start.back();
  NIMBUS_CHECK_T(ShapeError, total <= std::numeric_limits<int32_t>::max(),
                 "take: the result would hold more than 2147483647 bytes of characters, the limit of a string column");

  Buffer chars = host_buffer(static_cast<size_t>(total));
  auto* to_chars = static_cast<char*>(chars.data());
  for_blocks(n, threads, [&](int64_t block, int64_t begin, int64_t end) {
    const int64_t start = block_start[static_cast<size_t>(block)];
    const int64_t bytes = block_start[static_cast<size_t>(block) + 1] - start;
    if (bytes > 0) std::memcpy(to_chars + start, block_chars[static_cast<size_t>(block)].data(), static_cast<size_t>(bytes));
    std::vector<char>().swap(block_chars[static_cast<size_t>(block)]);
    for (int64_t i = begin; i < end; ++i) to_offsets[i + 1] = static_cast<int32_t>(to_offsets[i + 1] + start);
  });
  return Column(DataType::string, n, std::move(chars), std::move(validity), std::move(offsets));
}

Column take_join_column(const Column& column, std::span<const int64_t> rows, bool may_have_null_rows, int threads) {
  const auto n = static_cast<int64_t>(rows.size());
  const auto gathered = [&](auto fixed) {
    using T = decltype(fixed);
    return Column(column.type(), n, gather_fixed<T>(column, rows, threads),
                  gathered_validity(column, rows, may_have_null_rows, threads));
  };
  if (column.device().is_cpu()) {
    switch (column.type()) {
      case DataType::string:
        return gather_strings(column, rows, gathered_validity(column, rows, may_have_null_rows, threads), threads);
      case DataType::int32:
      case DataType::date32: return gathered(int32_t{});
      case DataType::int64:
      case DataType::timestamp: return gathered(int64_t{});
      case DataType::float32: return gathered(float{});
      case DataType::float64: return gathered(double{});
      default: break;
    }
  }
  return take(column, rows, ExecOptions{threads});
}

}  // namespace

Table take_join_rows(const Table& table, std::span<const int64_t> rows, bool may_have_null_rows, int threads) {
  std::vector<Column> columns;
  columns.reserve(table.columns().size());
  for (const Column& column : table.columns()) {
    columns.push_back(take_join_column(column, rows, may_have_null_rows, threads));
  }
  return Table(table.names(), std::move(columns));
}

}  // namespace nimbus::analytics::detail
