#pragma once
// Key matching for joins on one integer key column a side, without the generic key words.
//
// Note [Integer key joins]
// Most joins in practice (every db-benchmark join on an int column) have one int32 or int64 key
// a side. The generic path encodes each side's keys as words, hashes them, groups the build side
// through the partitioned grouping (Note [Partitioned grouping]), renumbers the groups by first
// row and lays the right rows of each group out contiguously: several passes with a cache miss
// per row each. Here the build side goes into one open-addressing table of (key, first build row)
// slots instead, and a key's id is simply the first build row that has it:
// - the slot array (at most two thirds full) is split into partitions of at most 65536 slots by
//   the top bits of the hash, and linear probing wraps around within a partition. Each task owns a range of
//   partitions and inserts the build rows that hash there in row order, so every slot holds the
//   key's first row, the table is the same for any thread count and no locks are needed. Every
//   task reads all the build keys for this, a sequential pass that is cheap next to the inserts,
//   each a cache miss in a table far larger than the cache;
// - when no key repeats on the build side (a primary-key join, db-benchmark's big join), a build
//   row's key id is the row itself, which the caller uses to skip laying out the right rows
//   (Note [Unique build keys] in join.cpp);
// - inserts and lookups prefetch the home slot of the row a few rows on, so the cache misses of
//   neighbouring rows overlap instead of following one another.
// A partition that would fill up (only possible for keys crafted to collide) abandons the table,
// and the caller takes the generic path.
#include <cstdint>
#include <optional>
#include <vector>

#include "analytics/column.h"

namespace nimbus::analytics::detail {

// Whether `build` and `probe` (one key column a side) can be matched by match_int_keys: int32 or
// int64 columns on the CPU.
bool int_keys_apply(const Column& build, const Column& probe);

struct IntKeyMatch {
  std::vector<int64_t> build_key;  // per build row: the first build row with its key; -1 for NULL
  std::vector<int64_t> probe_key;  // per probe row: the first build row with its key; -1 for none
  bool build_unique = false;       // no key repeats: build_key[r] is r, or -1 for a NULL key
};

// Matches the keys of the two sides (NULL matches nothing); nullopt when the table had to be
// abandoned (Note [Integer key joins]).
std::optional<IntKeyMatch> match_int_keys(const Column& build, const Column& probe, int threads);

}  // namespace nimbus::analytics::detail
