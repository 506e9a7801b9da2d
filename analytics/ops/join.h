#pragma once
// Hash joins: inner, left, right, full outer, semi and anti, on one or more equality keys.
//
// Semantics (SQL): a NULL key never matches, not even another NULL; duplicate keys produce every
// pair. Key types must be equal, except that int32 joins int64 and float32 joins float64 (floats
// match -0.0 with 0.0 and NaN with NaN, Note [Key words]).
//
// Output columns: left's, then right's (key columns included). A right column whose name is taken
// gets JoinOptions::suffix ("_right") appended, as many times as needed to be unique. Semi and
// anti joins return left's columns only: the left rows with at least one match (semi) or none
// (anti; rows with a NULL key have none).
//
// Output order, the same whichever side is built: rows in left row order; for each left row its
// matches in right row order (left and full joins put a left row without a match in its place,
// with NULLs on the right); then, for right and full joins, the right rows that matched nothing,
// in right order, with NULLs on the left.
//
// How: the smaller side is the build side: its keys are grouped into a hash table with
// per-partition tables built in parallel (Note [Partitioned grouping]); the other side probes it
// in parallel. One int32 or int64 key a side goes into a plain table of integers instead (Note
// [Integer key joins] in join_int_keys.h). The right rows of each key are then laid out
// contiguously in right order (unless each key has one right row, Note [Unique build keys] in
// join.cpp), and the output is written in the order above from per-chunk counts, so it does not
// depend on the thread count. The output columns are gathered by take() (Note [String gather] in take.cpp).
// Tables on a device other than the CPU give the same rows there (Note [Joins on a device] in
// join_device.h): one integer key a side is matched on the device by a sort-merge.
#include <cstdint>
#include <string>
#include <vector>

#include "analytics/ops/exec_options.h"
#include "analytics/table.h"

namespace nimbus::analytics {

enum class JoinKind { inner, left, right, full, semi, anti };

struct JoinOptions {
  std::string suffix = "_right";  // appended to right column names already taken
  int threads = 0;                // as ExecOptions::threads
};

// Row pairs of a join: output row i is left row left[i] and right row right[i], kNullRow standing
// for the NULL side. Semi and anti joins fill `left` only.
struct JoinRows {
  std::vector<int64_t> left;
  std::vector<int64_t> right;
};

// Errors: an unknown key column, different numbers of left and right keys, or key types that
// cannot be compared (DTypeError naming both columns and types).
NIMBUS_API JoinRows join_rows(const Table& left, const Table& right, const std::vector<std::string>& left_keys,
                              const std::vector<std::string>& right_keys, JoinKind kind,
                              const JoinOptions& options = {});
NIMBUS_API Table join(const Table& left, const Table& right, const std::vector<std::string>& left_keys,
                      const std::vector<std::string>& right_keys, JoinKind kind, const JoinOptions& options = {});

NIMBUS_API std::string_view join_kind_name(JoinKind kind);  // "inner", "left", "right", "full", "semi", "anti"

}  // namespace nimbus::analytics
