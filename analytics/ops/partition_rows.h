#pragma once
// Rows placed by a dense group id: a stable counting sort. Internal to the operators.
#include <cstdint>
#include <vector>

#include "analytics/ops/ops_parallel.h"

namespace nimbus::analytics::detail {

// Places the rows 0..group_of_row.size()-1 by group_of_row (each in [0, num_groups)), keeping
// increasing row order within a group: calls place(row, position) once per row, where group 0's
// rows take the first positions. Returns where each group starts (num_groups + 1 entries, the
// last the row count). One counting pass and one placing pass, each split over the threads in
// pieces; piece p places its rows of a group after those of the pieces before it, so the
// positions are the same for any thread count. `place` may carry more than the row number to its
// position (a sort key beside it), so that a later pass over a group reads one contiguous range.
template <typename Place>
std::vector<int64_t> place_rows_by_group(const std::vector<int64_t>& group_of_row, int64_t num_groups, int threads,
                                         const Place& place) {
  constexpr int64_t kCountGrain = 65536;
  const auto n = static_cast<int64_t>(group_of_row.size());
  const auto groups = static_cast<size_t>(num_groups);
  // Each piece keeps a count per group; with about as many groups as rows the counts would cost
  // more than the rows, so such inputs are counted in one piece.
  const int64_t pieces = num_groups * 8 <= n ? piece_count(n, threads, kCountGrain) : 1;
  std::vector<std::vector<int64_t>> cursors(static_cast<size_t>(pieces));
  const int64_t* group = group_of_row.data();
  run_pieces(n, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    std::vector<int64_t>& count = cursors[static_cast<size_t>(piece)];
    count.assign(groups, 0);
    for (int64_t i = begin; i < end; ++i) ++count[static_cast<size_t>(group[i])];
  });
  std::vector<int64_t> starts(groups + 1);
  int64_t start = 0;
  for (size_t g = 0; g < groups; ++g) {
    starts[g] = start;
    for (std::vector<int64_t>& cursor : cursors) {
      const int64_t count = cursor[g];
      cursor[g] = start;
      start += count;
    }
  }
  starts[groups] = start;
  run_pieces(n, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    int64_t* cursor = cursors[static_cast<size_t>(piece)].data();
    for (int64_t i = begin; i < end; ++i) place(i, cursor[group[i]]++);
  });
  return starts;
}

}  // namespace nimbus::analytics::detail
