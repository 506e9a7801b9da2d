#pragma once
// Note [Process heap]
// Analytics operators build short-lived per-row arrays (group ids, row lists, key words: 8 bytes
// per row, 80 MB at 1e7 rows) as std::vectors. glibc serves every allocation above 32 MB (the
// largest mmap threshold it accepts) with a fresh mmap and returns it with munmap on free, so each
// query faulted its arrays in again, 4 KB at a time, and zeroed them: on the db-benchmark group-by
// at 1e7 rows, page faults, memset and munmap were ~40% of q1's time. Tensors and column buffers
// do not have this cost (they come from the caching allocators, runtime/caching_allocator.h).
//
// keep_large_allocations_in_heap() tells glibc to take large blocks from the heap too and never
// to give freed heap memory back, so a later query reuses the pages an earlier one touched (what
// an engine's own buffer pool, or jemalloc and mimalloc in Polars and others, achieve). The cost:
// the process keeps its peak heap size until it exits, and growing arrays are copied on realloc
// rather than remapped. It covers the blocks of glibc's main arena, where the thread that runs a
// query (the program's main thread) allocates; glibc still maps large blocks of the per-thread
// arenas of other threads. The nimbus command line calls it at start; a program embedding the
// libraries decides for itself (it changes the whole process's malloc).

#include "runtime/macros.h"

namespace nimbus {

// Returns false where the C library has no such setting (then nothing changes).
NIMBUS_API bool keep_large_allocations_in_heap();

}  // namespace nimbus
