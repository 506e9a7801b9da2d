// PinnedHostPool (Note [Pinned host memory]) against a simulated device: a pinned block is handed
// out again only after every copy declared on it has finished, whatever the streams.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/error.h"
#include "runtime/pinned_host_pool.h"
#include "runtime/sim_device.h"

namespace nimbus {
namespace {

using testing::SimDevice;
using testing::SimUpstream;

constexpr size_t KiB = size_t{1} << 10;

// A stream of a (simulated) GPU: the pool records its events wherever the copies ran.
Stream gpu_stream(uint64_t handle) { return Stream{Device::cuda(0), handle}; }
const Stream kHost = default_stream(Device::cpu());

class PinnedHostPoolTest : public ::testing::Test {
 protected:
  void use_limit(size_t limit) {
    pool.reset();
    sim = std::make_unique<SimDevice>(limit);
    pool = std::make_unique<PinnedHostPool>(std::make_unique<SimUpstream>(*sim));
  }
  void SetUp() override { use_limit(size_t{1} << 30); }
  void TearDown() override {
    pool.reset();
    EXPECT_EQ(sim->live_events(), 0u) << "every recorded event must be released";
    EXPECT_EQ(sim->misuse(), 0) << "bad upstream calls (wrong sizes, events used after release)";
    EXPECT_EQ(sim->in_use(), 0u) << "the pool must return its cached blocks when destroyed";
  }

  std::unique_ptr<SimDevice> sim;
  std::unique_ptr<PinnedHostPool> pool;
};

TEST_F(PinnedHostPoolTest, SizesRoundUpToPowersOfTwoOfAtLeast512Bytes) {
  EXPECT_EQ(PinnedHostPool::block_size(1), 512u);
  EXPECT_EQ(PinnedHostPool::block_size(512), 512u);
  EXPECT_EQ(PinnedHostPool::block_size(513), 1024u);
  EXPECT_EQ(PinnedHostPool::block_size(3 * KiB), 4 * KiB);
  EXPECT_EQ(PinnedHostPool::block_size(SIZE_MAX), 0u) << "no power of two holds it";
  EXPECT_EQ(pool->allocate(0, kHost), nullptr);
}

TEST_F(PinnedHostPoolTest, AFreedBlockWithoutCopiesIsReusedAtOnce) {
  void* a = pool->allocate(3 * KiB, kHost);
  pool->deallocate(a);
  EXPECT_EQ(pool->allocate(4 * KiB, kHost), a) << "same size class";
  EXPECT_EQ(sim->allocations(), 1);
  const AllocatorStats s = pool->stats();
  EXPECT_EQ(s.cache_hits, 1);
  EXPECT_EQ(s.cache_misses, 1);
  EXPECT_EQ(s.allocated_bytes, int64_t(4 * KiB));
  EXPECT_EQ(s.reserved_bytes, int64_t(4 * KiB));
  pool->deallocate(a);
}

TEST_F(PinnedHostPoolTest, ABlockWaitsForEveryCopyThatUsedItWhateverTheStream) {
  void* a = pool->allocate(KiB, kHost);
  pool->record_stream(a, gpu_stream(7));  // an upload queued on stream 7
  pool->record_stream(a, gpu_stream(9));  // and a download on stream 9
  pool->deallocate(a);
  void* b = pool->allocate(KiB, kHost);
  EXPECT_NE(b, a) << "reused while two copies may still run";
  sim->finish(7);
  void* c = pool->allocate(KiB, kHost);
  EXPECT_NE(c, a) << "reused while the copy on stream 9 may still run";
  sim->finish(9);
  void* d = pool->allocate(KiB, kHost);
  EXPECT_EQ(d, a) << "both copies are done";
  for (void* p : {b, c, d}) pool->deallocate(p);
}

TEST_F(PinnedHostPoolTest, CopiesOnTheDefaultStreamOfADeviceCountToo) {
  // Handle 0 is a GPU's default stream, not the host: its copies must be waited for as well.
  void* a = pool->allocate(KiB, kHost);
  pool->record_stream(a, gpu_stream(0));
  pool->deallocate(a);
  void* b = pool->allocate(KiB, kHost);
  EXPECT_NE(b, a);
  sim->finish();
  void* c = pool->allocate(KiB, kHost);
  EXPECT_EQ(c, a);
  pool->deallocate(b);
  pool->deallocate(c);
}

TEST_F(PinnedHostPoolTest, EventsOfCopiesThatFinishedBeforeTheFreeAreReleasedAtTheFree) {
  void* a = pool->allocate(KiB, kHost);
  pool->record_stream(a, gpu_stream(3));
  sim->finish(3);
  pool->deallocate(a);
  EXPECT_EQ(sim->live_events(), 0u);
  EXPECT_EQ(pool->allocate(KiB, kHost), a);
  pool->deallocate(a);
}

TEST_F(PinnedHostPoolTest, ReleasesItsCacheAndRetriesWhenTheSystemRefusesToPinMore) {
  use_limit(8 * KiB);
  void* a = pool->allocate(4 * KiB, kHost);
  pool->deallocate(a);  // cached, 4 KiB of the 8 pinned
  void* b = pool->allocate(8 * KiB, kHost);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(pool->stats().retries, 1);
  EXPECT_EQ(pool->stats().reserved_bytes, int64_t(8 * KiB));
  pool->deallocate(b);
}

TEST_F(PinnedHostPoolTest, OutOfMemorySaysWhatWasAskedAndWhatToTry) {
  use_limit(4 * KiB);
  void* a = pool->allocate(4 * KiB, kHost);
  try {
    pool->allocate(KiB, kHost);
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("out of pinned host memory"), std::string::npos) << what;
    EXPECT_NE(what.find("1024 bytes"), std::string::npos) << what;
    EXPECT_NE(what.find("4.00 KiB allocated"), std::string::npos) << what;
    EXPECT_NE(what.find("ordinary memory"), std::string::npos) << what;
  }
  EXPECT_EQ(pool->stats().ooms, 1);
  pool->deallocate(a);
}

TEST_F(PinnedHostPoolTest, EmptyCacheReturnsIdleBlocksAndKeepsThoseInUse) {
  void* a = pool->allocate(KiB, kHost);
  void* b = pool->allocate(KiB, kHost);
  void* c = pool->allocate(2 * KiB, kHost);
  pool->record_stream(c, gpu_stream(1));
  pool->deallocate(a);
  pool->deallocate(c);  // pending: its copy has not finished
  pool->empty_cache();
  EXPECT_EQ(sim->deallocations(), 1) << "only the idle block goes back";
  EXPECT_EQ(pool->stats().reserved_bytes, int64_t(3 * KiB));
  sim->finish();
  pool->empty_cache();
  EXPECT_EQ(sim->deallocations(), 2);
  pool->deallocate(b);
}

TEST_F(PinnedHostPoolTest, RecordStreamOnMemoryOfAnotherAllocatorIsAnError) {
  int not_pinned = 0;
  EXPECT_THROW(pool->record_stream(&not_pinned, gpu_stream(1)), Error);
  pool->deallocate(&not_pinned);  // ignored, as in a destructor
}

}  // namespace
}  // namespace nimbus
