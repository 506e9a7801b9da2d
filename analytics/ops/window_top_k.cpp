// window_top_k(): the first rows of each window partition, without ordering the
// rest.
//
// Note [Window top rows]
// `SELECT ... FROM (SELECT ..., row_number() OVER (PARTITION BY p ORDER BY o)
// AS rn FROM t) WHERE rn <= k` keeps k rows per partition, yet window() would
// order every partition in full and write a value for every row. Here the kept
// rows are found directly:
// - with one order word (one ORDER BY column, the common case) or none, and
//   few partitions times k, one pass over the rows keeps, per partition, the k
//   smallest (order word, row) pairs in a sorted array: a row enters when its
//   word is strictly below the current k-th, so of equal words the earlier row
//   stays, exactly as the stable sort orders them. Each thread scans its own
//   piece of the rows into its own arrays; the arrays are merged by (word, row),
//   which gives the same rows whatever the thread count;
// - otherwise (several order words, ties to keep, or many partitions times k),
//   the partitions are sorted as window() sorts them and the first k positions
//   taken.
// row_number, rank and dense_rank of a kept row depend only on the rows before
// it in its partition, which are kept too, so they are computed over the kept
// rows alone and equal window()'s values.
#include <algorithm>
#include <numeric>

#include "analytics/ops/column_buffers.h"
#include "analytics/ops/column_lookup.h"
#include "analytics/ops/group_index.h"
#include "analytics/ops/sort_key_words.h"
#include "analytics/ops/take.h"
#include "analytics/ops/window.h"
#include "analytics/ops/window_rows.h"

namespace nimbus::analytics {

namespace {

// The per-partition arrays of the one-pass selection stay below this many
// entries per partition, and below the row count in all.
constexpr int64_t kMaxScanLimit = 64;
constexpr int64_t kScanGrain = int64_t{1} << 16;

struct KeyedRow {
  uint64_t key;
  int64_t row;
  bool operator<(const KeyedRow &other) const {
    return key != other.key ? key < other.key : row < other.row;
  }
};

// The kept rows in window order, partition by partition.
struct TopRows {
  std::vector<int64_t> order;
  std::vector<int64_t> partition_begin; // then order.size()
};

// One pass: the `limit` smallest (word, row) pairs of each partition
// (Note [Window top rows]).
TopRows scan_top_rows(const detail::SortKeyWords &order, const int64_t *group,
                      int64_t groups, int64_t rows, int64_t limit,
                      int threads) {
  const int64_t pieces = detail::piece_count(rows, threads, kScanGrain);
  const auto slots = static_cast<size_t>(groups * limit);
  std::vector<std::vector<KeyedRow>> best(static_cast<size_t>(pieces));
  std::vector<std::vector<int64_t>> filled(static_cast<size_t>(pieces));
  detail::run_pieces(rows, pieces, threads,
                     [&](int64_t piece, int64_t begin, int64_t end) {
    std::vector<KeyedRow> &kept = best[static_cast<size_t>(piece)];
    std::vector<int64_t> &count = filled[static_cast<size_t>(piece)];
    kept.resize(slots);
    count.assign(static_cast<size_t>(groups), 0);
    for (int64_t row = begin; row < end; ++row) {
      const int64_t g = group == nullptr ? 0 : group[row];
      const uint64_t key = order.width == 0 ? 0 : order.words[static_cast<size_t>(row)];
      KeyedRow *slot = kept.data() + g * limit;
      int64_t n = count[static_cast<size_t>(g)];
      if (n == limit) {
        if (!(key < slot[n - 1].key))
          continue;
        --n;
      }
      int64_t at = n;
      for (; at > 0 && key < slot[at - 1].key; --at)
        slot[at] = slot[at - 1];
      slot[at] = {key, row};
      count[static_cast<size_t>(g)] = n + 1;
    }
  });
  TopRows out;
  out.partition_begin.reserve(static_cast<size_t>(groups) + 1);
  std::vector<KeyedRow> merged;
  for (int64_t g = 0; g < groups; ++g) {
    merged.clear();
    for (int64_t piece = 0; piece < pieces; ++piece) {
      const KeyedRow *slot = best[static_cast<size_t>(piece)].data() + g * limit;
      merged.insert(merged.end(), slot,
                    slot + filled[static_cast<size_t>(piece)][static_cast<size_t>(g)]);
    }
    if (merged.empty())
      continue;
    std::sort(merged.begin(), merged.end());
    out.partition_begin.push_back(static_cast<int64_t>(out.order.size()));
    const auto take_n = std::min<size_t>(merged.size(), static_cast<size_t>(limit));
    for (size_t i = 0; i < take_n; ++i)
      out.order.push_back(merged[i].row);
  }
  out.partition_begin.push_back(static_cast<int64_t>(out.order.size()));
  return out;
}

bool same_words(const detail::SortKeyWords &words, int64_t a, int64_t b) {
  const uint64_t *x = words.row(a);
  const uint64_t *y = words.row(b);
  return std::equal(x, x + words.width, y);
}

// The first `limit` positions of each fully sorted partition, and with_ties
// the positions tied with the last of them.
TopRows first_positions(const detail::WindowRows &sorted,
                        const detail::SortKeyWords &order, int64_t limit,
                        bool with_ties) {
  TopRows out;
  for (size_t p = 0; p + 1 < sorted.partition_begin.size(); ++p) {
    const int64_t begin = sorted.partition_begin[p];
    const int64_t end = sorted.partition_begin[p + 1];
    int64_t stop = begin + std::min(limit, end - begin);
    if (with_ties && stop > begin)
      while (stop < end &&
             same_words(order, sorted.row_at(stop - 1), sorted.row_at(stop)))
        ++stop;
    if (stop == begin)
      continue;
    out.partition_begin.push_back(static_cast<int64_t>(out.order.size()));
    out.order.insert(out.order.end(), sorted.order.begin() + begin,
                     sorted.order.begin() + stop);
  }
  out.partition_begin.push_back(static_cast<int64_t>(out.order.size()));
  return out;
}

} // namespace

Table window_top_k(const Table &table, const WindowSpec &spec,
                   const std::vector<WindowCall> &calls, int64_t limit,
                   bool with_ties, const ExecOptions &options) {
  NIMBUS_CHECK_T(ConfigError, limit >= 0,
                 "window_top_k: the limit must not be negative, got ", limit);
  std::vector<std::string> names = table.names();
  for (const WindowCall &call : calls) {
    NIMBUS_CHECK_T(ConfigError,
                   call.function == WindowFunction::row_number ||
                       call.function == WindowFunction::rank ||
                       call.function == WindowFunction::dense_rank,
                   "window_top_k: ", window_function_name(call.function),
                   " is not one of row_number, rank, dense_rank");
    NIMBUS_CHECK(call.input.empty(), "window_top_k: ",
                 window_function_name(call.function), " takes no input column");
    std::string output = call.output;
    if (output.empty())
      output.append(window_function_name(call.function)).append("()");
    NIMBUS_CHECK(std::find(names.begin(), names.end(), output) == names.end(),
                 "window_top_k: the output column '", output,
                 "' already exists");
    names.push_back(output);
  }
  const int threads = options.threads;
  const int64_t rows = table.num_rows();
  std::vector<Column> order_columns;
  for (const SortKey &key : spec.order_by)
    order_columns.push_back(detail::find_column(table, key.column,
                                                "window_top_k",
                                                "ORDER BY column"));
  const std::vector<Column> partition_columns = detail::find_columns(
      table, spec.partition_by, "window_top_k", "PARTITION BY column");
  detail::SortKeyWords order =
      detail::normalize_sort_keys(order_columns, spec.order_by, threads);
  order.rows = rows;

  // Note [Window top rows]
  TopRows top;
  if (rows == 0 || limit == 0) {
    top.partition_begin.push_back(0);
  } else {
    detail::GroupIds ids;
    if (!partition_columns.empty())
      ids = detail::group_keys(partition_columns, threads);
    const int64_t groups = partition_columns.empty() ? 1 : ids.num_groups;
    const bool scan = !with_ties && order.width <= 1 && limit <= kMaxScanLimit &&
                      groups * limit <= rows;
    if (scan) {
      top = scan_top_rows(order, ids.group_of_row.empty() ? nullptr
                                                          : ids.group_of_row.data(),
                          groups, rows, limit, threads);
    } else {
      ids = {};
      const detail::WindowRows sorted = detail::sort_window_rows(
          rows, partition_columns, order_columns, spec.order_by, threads,
          false);
      top = first_positions(sorted, order, limit, with_ties);
    }
  }

  // Each kept row's values, in window order, then everything in row order.
  const auto kept = static_cast<size_t>(top.order.size());
  std::vector<std::vector<int64_t>> values(calls.size(),
                                           std::vector<int64_t>(kept));
  for (size_t p = 0; p + 1 < top.partition_begin.size(); ++p) {
    const auto begin = static_cast<size_t>(top.partition_begin[p]);
    const auto end = static_cast<size_t>(top.partition_begin[p + 1]);
    size_t peer_begin = begin;
    int64_t dense = 0;
    for (size_t at = begin; at < end; ++at) {
      if (at == begin ||
          !same_words(order, top.order[at - 1], top.order[at])) {
        peer_begin = at;
        ++dense;
      }
      for (size_t c = 0; c < calls.size(); ++c) {
        switch (calls[c].function) {
        case WindowFunction::row_number:
          values[c][at] = static_cast<int64_t>(at - begin) + 1;
          break;
        case WindowFunction::rank:
          values[c][at] = static_cast<int64_t>(peer_begin - begin) + 1;
          break;
        default:
          values[c][at] = dense;
        }
      }
    }
  }
  std::vector<size_t> by_row(kept);
  std::iota(by_row.begin(), by_row.end(), size_t{0});
  std::sort(by_row.begin(), by_row.end(), [&](size_t a, size_t b) {
    return top.order[a] < top.order[b];
  });
  std::vector<int64_t> kept_rows(kept);
  for (size_t i = 0; i < kept; ++i)
    kept_rows[i] = top.order[by_row[i]];
  std::vector<Column> columns = take(table, kept_rows, options).columns();
  for (const std::vector<int64_t> &value : values) {
    std::vector<int64_t> in_row_order(kept);
    for (size_t i = 0; i < kept; ++i)
      in_row_order[i] = value[by_row[i]];
    columns.push_back(detail::fixed_column(DataType::int64, in_row_order));
  }
  return Table(names, columns);
}

} // namespace nimbus::analytics
