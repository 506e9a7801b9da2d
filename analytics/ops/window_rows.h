#pragma once
// The rows of a window computation in window order: sorted by (partition keys,
// order keys), with where each partition and each run of peers starts. Internal
// to window().
//
// Note [Window frames]
// After the sort, a partition is a contiguous run [b, e) of positions and every
// frame is a sub-range [fs, fe) of it. As the current position moves forward
// both ends of the frame move forward (or stay): ROWS frames are fixed offsets,
// RANGE frames end at the last peer and start at the partition's start or the
// first peer. So each aggregate is a sweep over the partition that adds rows
// entering the frame and drops rows leaving it (window_aggregate.cpp):
// - a frame that starts at the partition's start only grows: a running total,
// O(e - b);
// - one that ends at the partition's end is the same run backwards;
// - a frame bounded at both ends slides: counts and integer sums add and
// subtract exactly, min and
//   max keep a monotonic deque of candidates (O(e - b) in all), and float sums
//   add the frame's values afresh for each row, in position order, so no
//   rounding error carries from one row to the next (O(rows x frame width), the
//   cost of exactness).
// Within a partition everything runs in position order on one thread, so float
// results do not depend on the thread count.
#include <cstdint>
#include <utility>
#include <vector>

#include "analytics/ops/ops_parallel.h"
#include "analytics/ops/window.h"

namespace nimbus::analytics::detail {

struct WindowRows {
  int64_t rows = 0;
  std::vector<int64_t>
      order; // row numbers in window order (stable: ties keep row order)
  std::vector<int64_t>
      partition_begin; // positions where partitions start, then `rows`
  std::vector<int64_t>
      peer_begin; // per position: the first position of its peers (when asked)
  std::vector<int64_t>
      peer_end; // per position: one past the last position of its peers
  int threads = 0;

  int64_t row_at(int64_t position) const {
    return order[static_cast<size_t>(position)];
  }

  // Calls visit(begin, end) for each partition's positions, partitions spread
  // over the threads in contiguous pieces of about equal rows.
  template <typename Visit> void for_each_partition(const Visit &visit) const {
    const int64_t partitions = static_cast<int64_t>(partition_begin.size()) - 1;
    if (partitions <= 0)
      return;
    const int64_t pieces =
        std::min(piece_count(rows, threads, kWindowGrain), partitions);
    run_tasks(pieces, threads, [&](int64_t piece) {
      // The partitions that start in this piece's share of the positions.
      const auto first = [&](int64_t p) {
        const int64_t at = rows * p / pieces;
        return static_cast<int64_t>(std::lower_bound(partition_begin.begin(),
                                                     partition_begin.end() - 1,
                                                     at) -
                                    partition_begin.begin());
      };
      for (int64_t p = first(piece), last = first(piece + 1); p < last; ++p)
        visit(partition_begin[static_cast<size_t>(p)],
              partition_begin[static_cast<size_t>(p + 1)]);
    });
  }

  static constexpr int64_t kWindowGrain = 1 << 14;
};

// Sorts the rows of `partition_columns` / `order_columns` (of equal length
// `rows`; either list may be empty) and finds the partitions, and the peers when
// `with_peers` (otherwise peer_begin and peer_end stay empty). Partitions come
// in no particular order (Note [Window sort by partition] in window_rows.cpp).
WindowRows sort_window_rows(int64_t rows,
                            const std::vector<Column> &partition_columns,
                            const std::vector<Column> &order_columns,
                            const std::vector<SortKey> &order_keys,
                            int threads, bool with_peers);

// The frame of `position` in the partition [begin, end): positions [fs, fe)
// with begin <= fs <= fe <= end (empty when fs == fe).
std::pair<int64_t, int64_t> frame_at(const WindowRows &rows,
                                     const WindowFrame &frame, int64_t position,
                                     int64_t begin, int64_t end);

// count, count_star, sum, avg, min, max over each row's frame; `input` is null
// for count_star. `label` ("sum(x)") names the call in errors.
Column window_aggregate(const WindowRows &rows, const WindowCall &call,
                        const Column *input, const std::string &label);

} // namespace nimbus::analytics::detail
