#pragma once
// group_by: SELECT keys..., aggregates... FROM table GROUP BY keys.
//
// Output: the key columns (each group's values, taken from its first row), then one column per
// aggregate, named by Aggregate::output. Groups come in order of first appearance: group g is the
// g-th distinct key met reading the table top to bottom. NULL keys form their own group (SQL);
// floats group -0.0 with 0.0 and NaN with NaN (Note [Key words]). With no keys, the result is one
// row over the whole table, even an empty one (count 0, other aggregates NULL), as SQL's global
// aggregate.
//
// How: keys are encoded to words (string keys through a dictionary) and grouped by direct indexing
// when they span a small domain (Note [Direct-indexed keys] in group_keys.cpp), with per-partition
// hash tables built in parallel otherwise (Note [Partitioned grouping]); each aggregate then
// accumulates per-group partials over fixed chunks of rows merged in chunk order (Note [Chunked
// aggregation] in aggregate_kernels.h), so results, float sums included, are identical for any
// thread count.
#include <string>
#include <vector>

#include "analytics/ops/aggregate.h"
#include "analytics/ops/exec_options.h"
#include "analytics/table.h"

namespace nimbus::analytics {

// Errors name what was wrong: an unknown key or input column (Error), an aggregate that does not
// take its input's type (DTypeError), a missing or unexpected input, duplicate output names.
NIMBUS_API Table group_by(const Table& table, const std::vector<std::string>& keys,
                          const std::vector<Aggregate>& aggregates, const ExecOptions& options = {});

}  // namespace nimbus::analytics
