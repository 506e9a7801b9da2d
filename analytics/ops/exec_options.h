#pragma once
// Settings shared by the relational operators (take, filter, sort, distinct, group_by, join).
//
// Note [Deterministic operators]
// Every operator returns the same table, bit for bit, for any thread count. Work is cut into
// pieces that depend on the input only where it matters for the result: sorting is stable (a
// stable order is unique), group ids are numbered by first appearance, join output follows row
// order, and aggregates add fixed chunks of rows in row order and merge the chunks in chunk order
// (Note [Chunked aggregation] in aggregate_kernels.h), so even float sums are added in one fixed
// order.
namespace nimbus::analytics {

struct ExecOptions {
  // Threads to use; 0 means all of OpenMP's (max_threads()). Results never depend on it.
  int threads = 0;
};

}  // namespace nimbus::analytics
