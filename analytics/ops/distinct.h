#pragma once
// distinct: one row per distinct key, in order of first appearance (the first occurrence is the
// row kept). NULLs count as equal to each other, as in SQL's DISTINCT; floats follow
// Note [Key words] (-0.0 equals 0.0, NaN equals NaN).
#include <string>
#include <vector>

#include "analytics/ops/exec_options.h"
#include "analytics/table.h"

namespace nimbus::analytics {

// SELECT DISTINCT *: rows that differ from every earlier row in some column.
NIMBUS_API Table distinct(const Table& table, const ExecOptions& options = {});
// DISTINCT ON (keys): the whole first row of each distinct combination of the key columns.
NIMBUS_API Table distinct(const Table& table, const std::vector<std::string>& keys, const ExecOptions& options = {});
// The rows distinct(table, keys) keeps, increasing.
NIMBUS_API std::vector<int64_t> distinct_rows(const Table& table, const std::vector<std::string>& keys,
                                              const ExecOptions& options = {});

}  // namespace nimbus::analytics
