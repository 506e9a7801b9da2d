#pragma once
// sort, sort_indices and top_k over one or more key columns.
//
// Order: per key ascending or descending, NULLs first or last (default ASC NULLS LAST, DuckDB's);
// floats order -0.0 equal to 0.0 and NaN above every number (+inf included), as DuckDB does;
// strings compare bytewise (UTF-8 code point order); false < true. Sorting is stable: rows with
// equal keys keep their input order, which also makes the result independent of the thread count.
#include <cstdint>
#include <string>
#include <vector>

#include "analytics/ops/exec_options.h"
#include "analytics/table.h"

namespace nimbus::analytics {

enum class NullOrder { first, last };

struct SortKey {
  std::string column = {};
  bool descending = false;
  NullOrder nulls = NullOrder::last;
};

// The row numbers of `table` in sorted order (a permutation of 0..num_rows-1).
NIMBUS_API std::vector<int64_t> sort_indices(const Table& table, const std::vector<SortKey>& keys,
                                             const ExecOptions& options = {});
// The table's rows in sorted order.
NIMBUS_API Table sort(const Table& table, const std::vector<SortKey>& keys, const ExecOptions& options = {});
// The first min(k, num_rows) rows of sort(table, keys), found by a partial sort (O(n log k)).
NIMBUS_API std::vector<int64_t> top_k_indices(const Table& table, const std::vector<SortKey>& keys, int64_t k,
                                              const ExecOptions& options = {});
NIMBUS_API Table top_k(const Table& table, const std::vector<SortKey>& keys, int64_t k,
                       const ExecOptions& options = {});

}  // namespace nimbus::analytics
