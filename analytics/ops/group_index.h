#pragma once
// Group ids for key rows: the shared core of distinct, group_by and the join build side.
//
// Note [Partitioned grouping]
// Like DuckDB's radix-partitioned aggregation, rows are split by the top bits of their key hash
// into partitions, so equal keys always land in the same partition and each partition's hash table
// is built by one thread with no locks or merging:
// 1. each thread counts its chunk of rows per partition, then scatters the row numbers into
//    partition order (a stable radix scatter: a partition's rows stay in increasing order);
// 2. each partition builds its own KeyHashTable over its rows, in row order;
// 3. groups are renumbered globally by their first row, so group g is the g-th distinct key to
//    appear in the input, whatever the partition and thread counts.
// Small inputs use one partition; the result does not depend on the choice. group_by and distinct
// come here only for keys too wide to index directly (Note [Direct-indexed keys] in
// group_keys.cpp); joins always do, since they probe the tables with the other side's keys.
#include <cstdint>
#include <vector>

#include "analytics/ops/key_hash_table.h"

namespace nimbus::analytics::detail {

struct GroupIndex {
  int64_t num_groups = 0;
  std::vector<int64_t> group_of_row;  // -1 for skipped rows (null join keys)
  std::vector<int64_t> first_row;     // first row of each group: increasing
  std::vector<std::vector<int64_t>> partition_rows;  // each increasing; a group's rows share one partition
  // For probing with other keys (joins); point into the EncodedKeys the index was built from.
  int partition_bits = 0;
  std::vector<KeyHashTable> tables;
  std::vector<std::vector<int64_t>> global_id;  // per partition: local id -> group

  // The group of row `row` of `probe` (keys encoded with the build keys), or -1.
  int64_t find(const EncodedKeys& probe, int64_t row) const;
};

// Groups the rows of `keys` (which must outlive the index: its tables point into them).
GroupIndex build_group_index(const EncodedKeys& keys, int threads);

// Group ids alone, for group_by and distinct (which never probe with other keys).
struct GroupIds {
  int64_t num_groups = 0;
  std::vector<int64_t> group_of_row;
  std::vector<int64_t> first_row;  // first row of each group: increasing
};

// Groups the rows of `columns` (NULLs group together), numbered by first appearance as
// build_group_index does, directly indexed when the keys span a small domain (Note [Direct-indexed
// keys] in group_keys.cpp) and through build_group_index otherwise.
GroupIds group_keys(const std::vector<Column>& columns, int threads);

}  // namespace nimbus::analytics::detail
