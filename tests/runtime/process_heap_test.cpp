// Note [Process heap] in runtime/process_heap.h: large blocks come from the heap, not from mmap,
// and stay there after free for the next allocation.
#include "runtime/process_heap.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nimbus {

#if defined(__GLIBC__)
namespace {

// In a fresh process, so that the calling thread is on glibc's main arena (a thread of a process
// that has run other threads may be on another arena, whose large blocks are always mmap'd):
// exits 0 when a large block came from the heap and stayed there after free.
[[noreturn]] void allocate_large_block_and_exit() {
  if (!keep_large_allocations_in_heap()) std::_Exit(2);
  constexpr size_t kBytes = size_t{96} << 20;  // above glibc's largest mmap threshold (32 MB)
  const struct mallinfo2 before = mallinfo2();
  char* volatile block = static_cast<char*>(std::malloc(kBytes));
  if (block == nullptr) std::_Exit(3);
  std::memset(block, 1, kBytes);
  const struct mallinfo2 holding = mallinfo2();
  // Without the setting the block is an mmap of its own: hblkhd (bytes in mmap'd blocks) grows.
  if (holding.hblkhd != before.hblkhd) std::_Exit(4);
  std::free(block);
  // Freed, it stays in the heap (no trim back to the system) for the next large allocation.
  if (mallinfo2().fordblks < kBytes) std::_Exit(5);
  std::_Exit(0);
}

}  // namespace
#endif

TEST(ProcessHeap, LargeBlocksComeFromTheHeapAndStayThereAfterFree) {
#if !defined(__GLIBC__)
  GTEST_SKIP() << "the setting is glibc's";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // a fresh process, re-executed
  // Exit codes: 2 the setting was refused, 3 no memory, 4 the block was mmap'd, 5 it was trimmed.
  EXPECT_EXIT(allocate_large_block_and_exit(), ::testing::ExitedWithCode(0), "");
#endif
}

}  // namespace nimbus
