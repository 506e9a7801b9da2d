#include "runtime/process_heap.h"

#include <climits>  // first: it brings __GLIBC__ when the C library is glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nimbus {

bool keep_large_allocations_in_heap() {
#if defined(__GLIBC__)
  // No mmap for large blocks (they come from the heap, the main arena when a thread's arena
  // cannot hold them), and no trimming of the heap's free top back to the system.
  return mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1;
#else
  return false;
#endif
}

}  // namespace nimbus
