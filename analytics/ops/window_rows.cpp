#include "analytics/ops/window_rows.h"

#include <algorithm>
#include <cstring>

#include "analytics/ops/radix_sort.h"
#include "analytics/ops/sort_key_words.h"

namespace nimbus::analytics::detail {

namespace {

bool same_words(const SortKeyWords &words, int64_t a, int64_t b) {
  return words.width == 0 ||
         std::memcmp(words.row(a), words.row(b),
                     static_cast<size_t>(words.width) * sizeof(uint64_t)) == 0;
}

// Normalized words for `columns` under `keys`; rows set even when there are no
// columns.
SortKeyWords key_words(int64_t rows, const std::vector<Column> &columns,
                       const std::vector<SortKey> &keys, int threads) {
  SortKeyWords words = normalize_sort_keys(columns, keys, threads);
  words.rows = rows;
  return words;
}

} // namespace

WindowRows sort_window_rows(int64_t rows,
                            const std::vector<Column> &partition_columns,
                            const std::vector<Column> &order_columns,
                            const std::vector<SortKey> &order_keys,
                            int threads) {
  // Partitions only need equal keys next to each other, so any direction will
  // do for them.
  const SortKeyWords partition =
      key_words(rows, partition_columns,
                std::vector<SortKey>(partition_columns.size()), threads);
  const SortKeyWords order =
      key_words(rows, order_columns, order_keys, threads);
  // One sort by the partition words followed by the order words: equal words
  // are equal keys (Note [Normalized sort keys]), so the same words also find
  // partitions and peers below.
  SortKeyWords both;
  both.rows = rows;
  both.width = partition.width + order.width;
  both.used_bits = partition.used_bits;
  both.used_bits.insert(both.used_bits.end(), order.used_bits.begin(),
                        order.used_bits.end());
  both.words.resize(static_cast<size_t>(rows * both.width));
  for (int64_t r = 0; r < rows && both.width > 0; ++r) {
    uint64_t *out = both.words.data() + r * both.width;
    std::copy_n(partition.row(r), partition.width, out);
    std::copy_n(order.row(r), order.width, out + partition.width);
  }

  WindowRows out;
  out.rows = rows;
  out.threads = threads;
  out.order = radix_sort_rows(both, threads);
  for (int64_t p = 0; p < rows; ++p)
    if (p == 0 || !same_words(partition, out.row_at(p - 1), out.row_at(p)))
      out.partition_begin.push_back(p);
  out.partition_begin.push_back(rows);
  out.peer_begin.resize(static_cast<size_t>(rows));
  out.peer_end.resize(static_cast<size_t>(rows));
  out.for_each_partition([&](int64_t begin, int64_t end) {
    int64_t run = begin;
    for (int64_t p = begin; p < end; ++p) {
      if (p > begin && !same_words(order, out.row_at(p - 1), out.row_at(p))) {
        std::fill(out.peer_end.begin() + run, out.peer_end.begin() + p, p);
        run = p;
      }
      out.peer_begin[static_cast<size_t>(p)] = run;
    }
    std::fill(out.peer_end.begin() + run, out.peer_end.begin() + end, end);
  });
  return out;
}

std::pair<int64_t, int64_t> frame_at(const WindowRows &rows,
                                     const WindowFrame &frame, int64_t position,
                                     int64_t begin, int64_t end) {
  // position + by clamped to the partition, without overflow for offsets near
  // int64's limits.
  const auto shifted = [&](int64_t by) -> int64_t {
    if (by <= begin - position)
      return begin;
    if (by >= end - position)
      return end;
    return position + by;
  };
  int64_t fs = begin, fe = end;
  if (frame.start != kUnboundedPreceding) {
    fs = frame.units == FrameUnits::range
             ? rows.peer_begin[static_cast<size_t>(position)]
             : shifted(frame.start);
  }
  if (frame.end != kUnboundedFollowing) {
    if (frame.units == FrameUnits::range)
      fe = rows.peer_end[static_cast<size_t>(position)];
    else
      fe = frame.end >= end - position ? end : shifted(frame.end + 1);
  }
  return {fs, std::max(fs, fe)};
}

} // namespace nimbus::analytics::detail
