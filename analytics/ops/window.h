#pragma once
// window: SQL window functions, `f(x) OVER (PARTITION BY p ORDER BY o
// ROWS/RANGE ...)`, with DuckDB's semantics. Each call adds one column with a
// value for every row of the table, in the table's own row order.
//
// Functions and result types:
//   row_number, rank, dense_rank, ntile     int64 (rank: 1 + the rows before
//   the row's peers;
//                                            dense_rank: 1 + the distinct order
//                                            keys before it)
//   percent_rank, cume_dist                 float64: (rank - 1) / (rows - 1), 0
//   for one row;
//                                            (rows up to the last peer) / rows
//   lag, lead                               the input's type: the value
//   `offset` rows before (after)
//                                            in the partition, else the
//                                            `default_input` column's value at
//                                            the current row, else NULL
//   first_value, last_value                 the input's type: the frame's first
//   (last) row, NULL
//                                            included; NULL for an empty frame
//   count, count_star, sum, avg, min, max   over the frame, as group_by's
//   aggregates (aggregate.h)
// Peers are rows of a partition with equal order keys (floats: -0.0 equals 0.0,
// NaN equals NaN; NULL equals NULL). The frame (WindowFrame) matters to
// first_value, last_value and the aggregates only. DuckDB's default, RANGE
// BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, is the partition up to the row's
// last peer, so without ORDER BY (every row a peer) it is the whole partition.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/ops/exec_options.h"
#include "analytics/ops/sort.h"
#include "analytics/table.h"

namespace nimbus::analytics {

enum class WindowFunction {
  row_number,
  rank,
  dense_rank,
  percent_rank,
  cume_dist,
  ntile,
  lag,
  lead,
  first_value,
  last_value,
  count,
  count_star,
  sum,
  avg,
  min,
  max,
};

// Frame bounds relative to the current row: -n is "n PRECEDING", 0 "CURRENT
// ROW", +n "n FOLLOWING". RANGE frames take the unbounded bounds and CURRENT
// ROW (which means the row's first peer as a start and its last peer as an
// end); ROWS frames take any offset.
inline constexpr int64_t kUnboundedPreceding =
    std::numeric_limits<int64_t>::min();
inline constexpr int64_t kUnboundedFollowing =
    std::numeric_limits<int64_t>::max();

enum class FrameUnits { range, rows };

struct WindowFrame {
  FrameUnits units = FrameUnits::range;
  int64_t start = kUnboundedPreceding;
  int64_t end = 0;
};

struct WindowCall {
  WindowFunction function = WindowFunction::row_number;
  std::string input =
      {}; // the argument column; empty for row_number, rank, count(*)...
  std::string output =
      {}; // the result column's name; empty gives "row_number()", "sum(x)"
  int64_t offset =
      1; // lag/lead: how many rows back or ahead (>= 0); ntile: buckets (> 0)
  std::string default_input =
      {}; // lag/lead: the column of defaults, of the input's type; or empty
  WindowFrame frame = {};
};

struct WindowSpec {
  std::vector<std::string> partition_by = {};
  std::vector<SortKey> order_by = {};
};

// `table` followed by one column per call. Errors (Error, DTypeError,
// ConfigError) name the call: an unknown column, an input of a type the
// function does not take, a missing or unexpected input, a negative lag/lead
// offset or a non-positive ntile, an unsupported frame (a RANGE offset, a start
// after the end), duplicate output names.
//
// How: one stable sort of the row numbers by (partition keys, order keys)
// through the normalized sort keys (Note [Normalized sort keys]); then each
// partition is one contiguous run of sorted rows, computed by a linear pass
// (Note [Window frames] in window.cpp). Partitions run in parallel; each sees
// its rows in a fixed order, so results are identical for any thread count.
NIMBUS_API Table window(const Table &table, const WindowSpec &spec,
                        const std::vector<WindowCall> &calls,
                        const ExecOptions &options = {});

// window() restricted to the first `limit` rows of each partition in window
// order (with_ties: those and the rows tied with the last of them, which are
// the rows whose rank is at most `limit`), each row as window() gives it, rows
// in the table's order. The calls may be row_number, rank and dense_rank, whose
// values on those rows depend on those rows alone. This is
// `filter(window(...), row_number() <= limit)` (or rank() <= limit) without
// computing and dropping the rest (Note [Window top rows] in window_top_k.cpp).
NIMBUS_API Table window_top_k(const Table &table, const WindowSpec &spec,
                              const std::vector<WindowCall> &calls,
                              int64_t limit, bool with_ties,
                              const ExecOptions &options = {});

// "row_number", "rank", ... "count_star", "sum"; and back (ConfigError listing
// the names).
NIMBUS_API std::string_view window_function_name(WindowFunction function);
NIMBUS_API WindowFunction parse_window_function(std::string_view name);
// Whether the function reads the frame (first_value, last_value, the
// aggregates) and whether it takes an input column.
NIMBUS_API bool window_function_uses_frame(WindowFunction function);
NIMBUS_API bool window_function_takes_input(WindowFunction function);

} // namespace nimbus::analytics
