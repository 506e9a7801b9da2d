// CachingAllocator (Note [Caching allocator]) against a simulated device: a memory limit, counted
// upstream calls, and streams whose events complete only when the test says their work is done.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "runtime/caching_allocator.h"
#include "runtime/error.h"
#include "runtime/sim_device.h"

namespace nimbus {
namespace {

using testing::SimDevice;
using testing::SimUpstream;

constexpr size_t KiB = size_t{1} << 10;
constexpr size_t MiB = size_t{1} << 20;

Stream stream(uint64_t handle) { return Stream{Device::cpu(), handle}; }

class CachingAllocatorTest : public ::testing::Test {
 protected:
  void use_limit(size_t limit) {
    allocator.reset();
    sim = std::make_unique<SimDevice>(limit);
    allocator = std::make_unique<CachingAllocator>(std::make_unique<SimUpstream>(*sim));
  }
  void SetUp() override { use_limit(size_t{1} << 30); }
  void TearDown() override {
    allocator.reset();
    EXPECT_EQ(sim->live_events(), 0u) << "every recorded event must be released";
    EXPECT_EQ(sim->misuse(), 0) << "bad upstream calls (wrong sizes, events used after release)";
  }
  void* alloc(size_t bytes, uint64_t s = 0) { return allocator->allocate(bytes, stream(s)); }
  AllocatorStats stats() const { return allocator->stats(); }
  static char* at(void* p, size_t offset) { return static_cast<char*>(p) + offset; }

  std::unique_ptr<SimDevice> sim;
  std::unique_ptr<CachingAllocator> allocator;
};

TEST_F(CachingAllocatorTest, FreedBlockIsReusedAtOnceOnTheSameStream) {
  void* p = alloc(1000);
  ASSERT_NE(p, nullptr);
  allocator->deallocate(p);  // its free event stays incomplete: same-stream reuse must not wait
  EXPECT_EQ(alloc(900), p);  // same rounded size
  EXPECT_EQ(sim->allocations(), 1);
  EXPECT_EQ(stats().cache_misses, 1);
  EXPECT_EQ(stats().cache_hits, 1);
  EXPECT_EQ(stats().allocations, 2);
}

TEST_F(CachingAllocatorTest, BestFitPicksTheSmallestHoleThatFits) {
  void* big_hole = alloc(64 * KiB);
  void* keep1 = alloc(4 * KiB);
  void* small_hole = alloc(32 * KiB);
  void* keep2 = alloc(4 * KiB);
  ASSERT_EQ(sim->allocations(), 1);  // all carved from one small segment
  allocator->deallocate(big_hole);
  allocator->deallocate(small_hole);
  EXPECT_EQ(alloc(20 * KiB), small_hole);
  EXPECT_EQ(alloc(40 * KiB), big_hole);  // the segment's tail is bigger still
  EXPECT_EQ(sim->allocations(), 1);
  EXPECT_NE(keep1, keep2);
}

TEST_F(CachingAllocatorTest, SplitsSegmentsAndMergesFreedNeighbours) {
  std::vector<void*> quarters;
  for (int i = 0; i < 4; ++i) quarters.push_back(alloc(512 * KiB));
  for (int i = 1; i < 4; ++i) EXPECT_EQ(quarters[i], at(quarters[0], i * 512 * KiB));
  ASSERT_EQ(sim->allocations(), 1);
  allocator->deallocate(quarters[0]);
  allocator->deallocate(quarters[1]);
  EXPECT_EQ(alloc(1 * MiB), quarters[0]);  // only the merged neighbours can hold it
  EXPECT_EQ(sim->allocations(), 1);
  allocator->deallocate(quarters[0]);
  allocator->deallocate(quarters[2]);
  allocator->deallocate(quarters[3]);
  void* first = alloc(1 * MiB);  // the whole segment is one block again
  EXPECT_EQ(alloc(1 * MiB), at(first, 1 * MiB));
  EXPECT_EQ(sim->allocations(), 1);
}

TEST_F(CachingAllocatorTest, LargePoolSplitsOnlyRemaindersWorthKeeping) {
  void* whole = alloc(8 * MiB);
  allocator->deallocate(whole);
  EXPECT_EQ(alloc(4 * MiB), whole);
  EXPECT_EQ(alloc(4 * MiB), at(whole, 4 * MiB));
  EXPECT_EQ(sim->allocations(), 1);
  // 3 MiB needs a 4 MiB segment; the 1 MiB rest is too small to keep apart in the large pool.
  alloc(3 * MiB);
  EXPECT_EQ(stats().allocated_bytes, static_cast<int64_t>(12 * MiB));
  EXPECT_EQ(stats().reserved_bytes, static_cast<int64_t>(12 * MiB));
}

TEST_F(CachingAllocatorTest, OtherStreamWaitsForTheFreeEvent) {
  void* p = alloc(2 * MiB, 1);
  allocator->deallocate(p);
  void* q = alloc(2 * MiB, 2);  // stream 1 may still be using p
  EXPECT_NE(q, p);
  EXPECT_EQ(sim->allocations(), 2);
  sim->finish(1);
  EXPECT_EQ(alloc(2 * MiB, 2), p);
  EXPECT_EQ(sim->allocations(), 2);
  EXPECT_EQ(stats().cache_hits, 1);
}

// Same-stream reuse needs no event, so a free records none; the first look from another stream
// records it (on the block's stream), and the block waits for it like any free event.
TEST_F(CachingAllocatorTest, FreeEventsAreRecordedOnlyWhenAnotherStreamAsks) {
  void* p = alloc(2 * MiB, 1);
  allocator->deallocate(p);
  EXPECT_EQ(sim->live_events(), 0u);
  EXPECT_EQ(alloc(2 * MiB, 1), p);  // its own stream: at once, no event
  allocator->deallocate(p);
  EXPECT_EQ(sim->live_events(), 0u);
  void* q = alloc(2 * MiB, 2);
  EXPECT_NE(q, p);
  EXPECT_EQ(sim->live_events(), 1u);  // recorded on stream 1 when stream 2 looked
  sim->finish(2);                     // another stream finishing says nothing about stream 1
  EXPECT_NE(alloc(2 * MiB, 2), p);
  sim->finish(1);
  EXPECT_EQ(alloc(2 * MiB, 2), p);
  EXPECT_EQ(sim->live_events(), 0u);
}

TEST_F(CachingAllocatorTest, RecordStreamDelaysReuseUntilThatStreamIsDone) {
  void* p = alloc(2 * MiB, 1);
  allocator->record_stream(p, stream(2));
  allocator->deallocate(p);
  void* q = alloc(2 * MiB, 1);  // even its own stream must wait for stream 2
  EXPECT_NE(q, p);
  sim->finish(1);
  EXPECT_NE(alloc(2 * MiB, 1), p);
  EXPECT_EQ(sim->allocations(), 3);
  sim->finish(2);
  EXPECT_EQ(alloc(2 * MiB, 1), p);
  EXPECT_EQ(sim->allocations(), 3);

  allocator->record_stream(nullptr, stream(2));  // ignored
  int not_ours = 0;
  EXPECT_THROW(allocator->record_stream(&not_ours, stream(2)), Error);
}

TEST_F(CachingAllocatorTest, ReleasesTheCacheAndRetriesWhenTheUpstreamIsFull) {
  use_limit(4 * MiB);
  void* a = alloc(2 * MiB);
  void* b = alloc(2 * MiB);
  allocator->deallocate(a);
  allocator->deallocate(b);
  EXPECT_EQ(stats().reserved_bytes, static_cast<int64_t>(4 * MiB));
  void* c = alloc(4 * MiB);
  EXPECT_NE(c, nullptr);
  EXPECT_EQ(stats().retries, 1);
  EXPECT_EQ(stats().ooms, 0);
  EXPECT_EQ(sim->deallocations(), 2);
  EXPECT_EQ(stats().reserved_bytes, static_cast<int64_t>(4 * MiB));
  EXPECT_EQ(stats().allocated_bytes, static_cast<int64_t>(4 * MiB));
}

TEST_F(CachingAllocatorTest, OutOfMemoryErrorSaysWhatWasAskedAllocatedAndCached) {
  use_limit(4 * MiB);
  void* live = alloc(1000);
  allocator->deallocate(alloc(2000));  // cached, but in a segment that is still in use
  try {
    alloc(4 * MiB);
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    const std::string message = e.what();
    for (const char* part : {"sim", "4194304 bytes", "4.00 MiB", "1.00 KiB allocated", "cached but free",
                             "smaller batch", "empty_cache"})
      EXPECT_NE(message.find(part), std::string::npos) << "missing '" << part << "' in: " << message;
  }
  EXPECT_EQ(stats().ooms, 1);
  EXPECT_EQ(stats().retries, 1);
  EXPECT_EQ(stats().allocations, 2);
  EXPECT_NE(alloc(1000), nullptr);  // still usable afterwards
  allocator->deallocate(live);
}

TEST_F(CachingAllocatorTest, ZeroBytesAndForeignPointersAreNoOps) {
  EXPECT_EQ(alloc(0), nullptr);
  allocator->deallocate(nullptr);
  int not_ours = 0;
  allocator->deallocate(&not_ours);
  void* p = alloc(64);
  allocator->deallocate(p);
  allocator->deallocate(p);  // a second free is ignored too
  const AllocatorStats s = stats();
  EXPECT_EQ(s.allocations, 1);
  EXPECT_EQ(s.cache_misses, 1);
  EXPECT_EQ(s.allocated_bytes, 0);
  EXPECT_EQ(sim->allocations(), 1);
}

TEST_F(CachingAllocatorTest, AbsurdSizesThrowOutOfMemory) {
  try {
    alloc(size_t{1} << 50);
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    EXPECT_NE(std::string(e.what()).find("1.00 PiB"), std::string::npos) << e.what();
  }
  const size_t max = std::numeric_limits<size_t>::max();
  EXPECT_THROW(alloc(max), OutOfMemoryError);        // overflows rounding to a block
  EXPECT_THROW(alloc(max - 4096), OutOfMemoryError);  // overflows rounding to a segment
  EXPECT_EQ(stats().ooms, 3);
  EXPECT_EQ(stats().allocations, 0);
  EXPECT_NE(alloc(100), nullptr);
}

TEST_F(CachingAllocatorTest, EmptyCacheReturnsEveryFreeSegment) {
  void* held = alloc(5 * MiB);
  std::vector<void*> blocks = {alloc(1000, 1), alloc(3 * MiB, 2), alloc(100 * KiB), alloc(700 * KiB, 1)};
  allocator->record_stream(blocks[0], stream(3));
  for (void* p : blocks) allocator->deallocate(p);
  EXPECT_GT(stats().reserved_bytes, static_cast<int64_t>(6 * MiB));
  sim->finish(3);  // the pending block becomes free during empty_cache
  allocator->empty_cache();
  EXPECT_EQ(stats().reserved_bytes, static_cast<int64_t>(6 * MiB));  // only the held segment
  EXPECT_EQ(sim->in_use(), 6 * MiB);
  allocator->deallocate(held);
  allocator->empty_cache();
  EXPECT_EQ(stats().reserved_bytes, 0);
  EXPECT_EQ(sim->in_use(), 0u);
  EXPECT_EQ(sim->deallocations(), sim->allocations());
  EXPECT_EQ(sim->live_events(), 0u);
}

TEST_F(CachingAllocatorTest, StatisticsAndPeaks) {
  void* a = alloc(1000);
  void* b = alloc(1000);
  AllocatorStats s = stats();
  EXPECT_EQ(s.allocated_bytes, 2048);
  EXPECT_EQ(s.reserved_bytes, static_cast<int64_t>(2 * MiB));
  EXPECT_EQ(s.peak_allocated_bytes, 2048);
  EXPECT_EQ(s.allocations, 2);
  EXPECT_EQ(s.cache_misses, 1);
  EXPECT_EQ(s.cache_hits, 1);
  allocator->deallocate(a);
  allocator->deallocate(b);
  s = stats();
  EXPECT_EQ(s.allocated_bytes, 0);
  EXPECT_EQ(s.peak_allocated_bytes, 2048);
  allocator->empty_cache();
  EXPECT_EQ(stats().peak_reserved_bytes, static_cast<int64_t>(2 * MiB));
  allocator->reset_peak_stats();
  s = stats();
  EXPECT_EQ(s.peak_allocated_bytes, 0);
  EXPECT_EQ(s.peak_reserved_bytes, 0);
  EXPECT_EQ(s.allocations, 2);  // counts are cumulative
}

TEST_F(CachingAllocatorTest, EveryPointerIsAligned) {
  std::mt19937 rng(7);
  std::vector<void*> live;
  for (int i = 0; i < 500; ++i) {
    const size_t bytes = 1 + rng() % (i % 10 == 0 ? 3 * MiB : 64 * KiB);
    void* p = alloc(bytes, rng() % 3);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << bytes << " bytes";
    live.push_back(p);
    if (rng() % 2 == 0) {
      const size_t victim = rng() % live.size();
      allocator->deallocate(live[victim]);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(victim));
    }
    if (i % 50 == 0) sim->finish();
  }
  for (void* p : live) allocator->deallocate(p);
}

TEST_F(CachingAllocatorTest, RejectsStreamsOfAnotherDevice) {
  EXPECT_THROW(allocator->allocate(64, Stream{Device::cuda(0), 0}), DeviceError);
}

// Threads on their own streams allocate, fill, check and free, sharing blocks across streams as
// events complete. Overlapping blocks would show up as a corrupted fill pattern.
TEST_F(CachingAllocatorTest, ManyThreadsKeepBlocksApart) {
  constexpr int kThreads = 4, kSteps = 3000;
  std::vector<std::thread> threads;
  std::atomic<int> corrupted{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      struct Live {
        unsigned char* p;
        size_t n;
        unsigned char tag;
      };
      std::vector<Live> live;
      const uint64_t own = static_cast<uint64_t>(t) + 1;
      for (int i = 0; i < kSteps; ++i) {
        if (live.size() < 16 && rng() % 3 != 0) {
          const size_t n = 1 + rng() % (rng() % 20 == 0 ? 3 * MiB : 32 * KiB);
          auto* p = static_cast<unsigned char*>(alloc(n, own));
          const auto tag = static_cast<unsigned char>(rng());
          std::memset(p, tag, n);
          if (rng() % 8 == 0) allocator->record_stream(p, stream(own % kThreads + 1));
          live.push_back({p, n, tag});
        } else if (!live.empty()) {
          const Live l = live.back();
          live.pop_back();
          if (l.p[0] != l.tag || l.p[l.n / 2] != l.tag || l.p[l.n - 1] != l.tag) ++corrupted;
          allocator->deallocate(l.p);
        }
        if (i % 100 == 0) sim->finish();
      }
      for (const Live& l : live) allocator->deallocate(l.p);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(corrupted.load(), 0);
  EXPECT_EQ(stats().allocated_bytes, 0);
  EXPECT_EQ(stats().cache_hits + stats().cache_misses, stats().allocations);
  sim->finish();
  allocator->empty_cache();
  EXPECT_EQ(stats().reserved_bytes, 0);
  EXPECT_EQ(sim->in_use(), 0u);
}

TEST(FormatBytes, UsesBinaryUnits) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(uint64_t{1} << 50), "1.00 PiB");
}

}  // namespace
}  // namespace nimbus
