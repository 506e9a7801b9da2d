#include "analytics/ops/window_rows.h"

#include <algorithm>
#include <memory>

#include "analytics/ops/group_index.h"
#include "analytics/ops/partition_rows.h"
#include "analytics/ops/radix_sort.h"
#include "analytics/ops/sort_key_words.h"

namespace nimbus::analytics::detail {

namespace {

// Note [Window sort by partition]
// A window needs each partition's rows together, ordered by the ORDER BY keys
// within it; the order of the partitions themselves is never seen, since every
// result is written back at its row. So instead of one radix sort of all rows
// by (partition words, order words), which for an integer partition key and a
// float order key is a dozen passes over every row, the partitions are numbered
// by group_keys (direct indexing for small domains, hashing otherwise), one
// stable counting sort places the rows by partition number, and each partition
// is then sorted by its order words alone: the usual small partitions in cache
// by a comparison sort, one partition at a time per thread, and the large ones
// by the parallel radix sort. Ties keep row order in both, so every partition
// holds exactly the rows, in exactly the order, that the single sort gave. A
// one-word order key (one ORDER BY column, the common case) is placed beside its
// row by the counting sort, so a partition's sort reads one contiguous range
// instead of gathering keys from all over the rows. Peers are found only when a
// call reads them (row_number, ntile, lag and lead do not).

// Partitions above this many rows are radix sorted (in parallel), the rest
// compared in cache.
constexpr int64_t kRadixPartitionRows = int64_t{1} << 16;

bool same_words(const SortKeyWords &words, int64_t a, int64_t b) {
  const uint64_t *x = words.row(a);
  const uint64_t *y = words.row(b);
  for (int w = 0; w < words.width; ++w)
    if (x[w] != y[w])
      return false;
  return true;
}

// A row and its one-word order key, placed together by the counting sort so
// that sorting a partition reads one contiguous range.
struct KeyedRow {
  uint64_t key;
  int64_t row;
  bool operator<(const KeyedRow &other) const {
    return key != other.key ? key < other.key : row < other.row;
  }
};

// Each partition in `out` (rows placed by partition) sorted by `order`, ties
// in row order. One-word keys travel with their rows.
void sort_partitions(const SortKeyWords &order, const GroupIds &ids,
                     WindowRows &out, int threads) {
  const auto rows = static_cast<size_t>(out.rows);
  out.order.resize(rows);
  const bool large_partition_possible = out.rows > kRadixPartitionRows;
  if (order.width == 1) {
    const auto keyed = std::make_unique_for_overwrite<KeyedRow[]>(rows);
    out.partition_begin = place_rows_by_group(
        ids.group_of_row, ids.num_groups, threads, [&](int64_t row, int64_t at) {
          keyed[static_cast<size_t>(at)] = {
              order.words[static_cast<size_t>(row)], row};
        });
    out.for_each_partition([&](int64_t begin, int64_t end) {
      if (end - begin <= kRadixPartitionRows)
        std::sort(keyed.get() + begin, keyed.get() + end);
      for (int64_t p = begin; p < end; ++p)
        out.order[static_cast<size_t>(p)] = keyed[static_cast<size_t>(p)].row;
    });
  } else {
    out.partition_begin = place_rows_by_group(
        ids.group_of_row, ids.num_groups, threads,
        [&](int64_t row, int64_t at) { out.order[static_cast<size_t>(at)] = row; });
    if (order.width == 0)
      return;
    out.for_each_partition([&](int64_t begin, int64_t end) {
      if (end - begin > kRadixPartitionRows)
        return;
      std::sort(out.order.data() + begin, out.order.data() + end,
                [&](int64_t a, int64_t b) {
                  const uint64_t *x = order.row(a);
                  const uint64_t *y = order.row(b);
                  for (int w = 0; w < order.width; ++w)
                    if (x[w] != y[w])
                      return x[w] < y[w];
                  return a < b;
                });
    });
  }
  if (!large_partition_possible)
    return;
  for (size_t p = 0; p + 1 < out.partition_begin.size(); ++p) {
    const int64_t begin = out.partition_begin[p];
    const int64_t end = out.partition_begin[p + 1];
    if (end - begin <= kRadixPartitionRows)
      continue;
    const std::vector<int64_t> sorted = radix_sort_rows(
        order,
        std::vector<int64_t>(out.order.begin() + begin, out.order.begin() + end),
        threads);
    std::copy(sorted.begin(), sorted.end(), out.order.begin() + begin);
  }
}

} // namespace

WindowRows sort_window_rows(int64_t rows,
                            const std::vector<Column> &partition_columns,
                            const std::vector<Column> &order_columns,
                            const std::vector<SortKey> &order_keys,
                            int threads, bool with_peers) {
  SortKeyWords order = normalize_sort_keys(order_columns, order_keys, threads);
  order.rows = rows;

  WindowRows out;
  out.rows = rows;
  out.threads = threads;
  if (rows == 0) {
    out.partition_begin.push_back(0);
    return out;
  }
  // Note [Window sort by partition]
  if (partition_columns.empty()) {
    out.order = radix_sort_rows(order, threads);
    out.partition_begin = {0, rows};
  } else {
    sort_partitions(order, group_keys(partition_columns, threads), out,
                    threads);
  }
  if (!with_peers)
    return out;
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
