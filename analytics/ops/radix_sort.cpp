#include "analytics/ops/radix_sort.h"

#include <array>
#include <numeric>
#include <utility>

#include "analytics/ops/ops_parallel.h"

namespace nimbus::analytics::detail {

namespace {

constexpr int64_t kRadixGrain = 65536;
using Histogram = std::array<int64_t, 256>;

// One stable pass by byte `byte` of `key`, moving key and row together. Returns false (and moves
// nothing) when every row has the same byte.
bool radix_pass(std::vector<uint64_t>& key, std::vector<int64_t>& rows, std::vector<uint64_t>& key_out,
                std::vector<int64_t>& rows_out, int byte, int threads) {
  const auto n = static_cast<int64_t>(rows.size());
  const int shift = 8 * byte;
  const int64_t pieces = piece_count(n, threads, kRadixGrain);
  std::vector<Histogram> counts(static_cast<size_t>(pieces));
  run_pieces(n, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    Histogram& count = counts[static_cast<size_t>(piece)];
    count.fill(0);
    for (int64_t i = begin; i < end; ++i) ++count[(key[static_cast<size_t>(i)] >> shift) & 255];
  });
  Histogram totals{};
  for (const Histogram& count : counts) {
    for (size_t b = 0; b < 256; ++b) totals[b] += count[b];
  }
  for (int64_t total : totals) {
    if (total == n) return false;
  }
  int64_t start = 0;
  for (size_t b = 0; b < 256; ++b) {
    for (Histogram& count : counts) {
      const int64_t c = count[b];
      count[b] = start;
      start += c;
    }
  }
  run_pieces(n, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    Histogram& cursor = counts[static_cast<size_t>(piece)];
    for (int64_t i = begin; i < end; ++i) {
      const uint64_t k = key[static_cast<size_t>(i)];
      const auto to = static_cast<size_t>(cursor[(k >> shift) & 255]++);
      key_out[to] = k;
      rows_out[to] = rows[static_cast<size_t>(i)];
    }
  });
  key.swap(key_out);
  rows.swap(rows_out);
  return true;
}

}  // namespace

std::vector<int64_t> radix_sort_rows(const SortKeyWords& keys, int threads) {
  std::vector<int64_t> rows(static_cast<size_t>(keys.rows));
  std::iota(rows.begin(), rows.end(), int64_t{0});
  return radix_sort_rows(keys, std::move(rows), threads);
}

std::vector<int64_t> radix_sort_rows(const SortKeyWords& keys, std::vector<int64_t> rows, int threads) {
  const auto n = static_cast<int64_t>(rows.size());
  if (n <= 1) return rows;
  std::vector<uint64_t> key(static_cast<size_t>(n)), key_out(static_cast<size_t>(n));
  std::vector<int64_t> rows_out(static_cast<size_t>(n));
  for (int w = keys.width - 1; w >= 0; --w) {
    // This word of each row, in the current order.
    run_pieces(n, piece_count(n, threads, kRadixGrain), threads, [&](int64_t, int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        key[static_cast<size_t>(i)] = keys.words[static_cast<size_t>(rows[static_cast<size_t>(i)] * keys.width + w)];
      }
    });
    const int lowest_byte = (64 - keys.used_bits[static_cast<size_t>(w)]) / 8;
    for (int byte = lowest_byte; byte < 8; ++byte) radix_pass(key, rows, key_out, rows_out, byte, threads);
  }
  return rows;
}

}  // namespace nimbus::analytics::detail
