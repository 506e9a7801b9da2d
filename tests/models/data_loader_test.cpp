// DataLoader: seeded order, epochs, drop_last, state and restore, the prefetch thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <numeric>
#include <set>
#include <thread>

#include "error_text.h"
#include "models/data/loader.h"
#include "models/data/permutation.h"
#include "runtime/error.h"

namespace nimbus::data {
namespace {

// Example i is input {i} and target i; gather throws at `failing_index`, and can be slow.
class CountingDataset final : public Dataset {
 public:
  explicit CountingDataset(int64_t size, int64_t failing_index = -1, int gather_delay_ms = 0)
      : size_(size), failing_index_(failing_index), gather_delay_ms_(gather_delay_ms) {}
  int64_t size() const override { return size_; }
  Batch gather(std::span<const int64_t> indices) const override {
    if (gather_delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(gather_delay_ms_));
    std::vector<float> inputs;
    std::vector<int64_t> targets;
    for (const int64_t i : indices) {
      NIMBUS_CHECK_T(IOError, i != failing_index_, "disk gone while reading example ", i);
      inputs.push_back(static_cast<float>(i));
      targets.push_back(i);
    }
    const auto batch = static_cast<int64_t>(indices.size());
    return {from_vector(inputs, {batch, 1}), from_vector(targets, {batch})};
  }
  Shape input_shape() const override { return {1}; }
  int64_t num_classes() const override { return size_; }
  std::string describe() const override { return "counting: " + std::to_string(size_) + " examples"; }

 private:
  int64_t size_, failing_index_;
  int gather_delay_ms_;
};

std::shared_ptr<const Dataset> counting(int64_t size, int64_t failing_index = -1, int delay_ms = 0) {
  return std::make_shared<CountingDataset>(size, failing_index, delay_ms);
}

std::vector<int64_t> targets_of(const Batch& batch) { return batch.targets.to_vector<int64_t>(); }

// The targets of the next `count` batches.
std::vector<std::vector<int64_t>> take(DataLoader& loader, int count) {
  std::vector<std::vector<int64_t>> batches;
  for (int i = 0; i < count; ++i) batches.push_back(targets_of(loader.next()));
  return batches;
}

using testing::error_text;

TEST(DataLoader, BatchesPerEpochWithAndWithoutDropLast) {
  DataLoader dropping(counting(10), {.batch_size = 3, .drop_last = true});
  DataLoader keeping(counting(10), {.batch_size = 3, .drop_last = false});
  EXPECT_EQ(dropping.batches_per_epoch(), 3);
  EXPECT_EQ(keeping.batches_per_epoch(), 4);
  const auto kept = take(keeping, 5);
  EXPECT_EQ(kept[3].size(), 1u);  // the short last batch
  EXPECT_EQ(kept[4].size(), 3u);  // then a full one of the next epoch
  EXPECT_EQ(keeping.state(), (LoaderState{1, 1}));
}

TEST(DataLoader, WithoutShuffleEveryEpochIsInOrder) {
  DataLoader loader(counting(7), {.batch_size = 3, .shuffle = false, .drop_last = false});
  const auto batches = take(loader, 6);
  const std::vector<std::vector<int64_t>> epoch = {{0, 1, 2}, {3, 4, 5}, {6}};
  EXPECT_EQ(std::vector(batches.begin(), batches.begin() + 3), epoch);
  EXPECT_EQ(std::vector(batches.begin() + 3, batches.end()), epoch);
  // Inputs carry the same examples as the targets.
  DataLoader again(counting(7), {.batch_size = 3, .shuffle = false});
  EXPECT_EQ(again.next().inputs.to_vector<float>(), (std::vector<float>{0, 1, 2}));
}

TEST(DataLoader, ShuffledEpochsArePermutationsFromTheSeedAndEpoch) {
  const int64_t size = 23, batch = 5;
  DataLoader loader(counting(size), {.batch_size = batch, .drop_last = false, .seed = 42});
  std::vector<std::vector<int64_t>> orders;
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<int64_t> order;
    for (const auto& b : take(loader, static_cast<int>(loader.batches_per_epoch()))) {
      order.insert(order.end(), b.begin(), b.end());
    }
    EXPECT_EQ(order, philox_permutation(size, 42, static_cast<uint64_t>(epoch))) << "epoch " << epoch;
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> all(size);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(sorted, all) << "epoch " << epoch << " is not a permutation";
    orders.push_back(order);
  }
  EXPECT_NE(orders[0], orders[1]);
  EXPECT_NE(orders[1], orders[2]);

  DataLoader other_seed(counting(size), {.batch_size = batch, .drop_last = false, .seed = 43});
  EXPECT_NE(targets_of(other_seed.next()), std::vector(orders[0].begin(), orders[0].begin() + batch));
}

TEST(DataLoader, DropLastSkipsTheTailOfEachEpochsOrder) {
  DataLoader loader(counting(10), {.batch_size = 4, .seed = 7});
  const auto batches = take(loader, 2);
  const std::vector<int64_t> order = philox_permutation(10, 7, 0);
  EXPECT_EQ(batches[0], std::vector(order.begin(), order.begin() + 4));
  EXPECT_EQ(batches[1], std::vector(order.begin() + 4, order.begin() + 8));
  EXPECT_EQ(loader.state(), (LoaderState{1, 0}));
}

TEST(DataLoader, SameSeedSameBatches) {
  DataLoader a(counting(50), {.batch_size = 8, .seed = 3});
  DataLoader b(counting(50), {.batch_size = 8, .seed = 3});
  EXPECT_EQ(take(a, 20), take(b, 20));
}

TEST(DataLoader, PrefetchOnAndOffGiveIdenticalBatches) {
  DataLoader ahead(counting(37), {.batch_size = 6, .drop_last = false, .seed = 9, .prefetch = true});
  DataLoader inline_(counting(37), {.batch_size = 6, .drop_last = false, .seed = 9, .prefetch = false});
  for (int i = 0; i < 21; ++i) {  // three epochs of 7 batches
    const Batch x = ahead.next(), y = inline_.next();
    EXPECT_EQ(x.inputs.to_vector<float>(), y.inputs.to_vector<float>()) << "batch " << i;
    EXPECT_EQ(x.targets.to_vector<int64_t>(), y.targets.to_vector<int64_t>()) << "batch " << i;
    EXPECT_EQ(ahead.state(), inline_.state());
  }
}

TEST(DataLoader, StateCountsOnlyBatchesHandedOut) {
  DataLoader loader(counting(20), {.batch_size = 5});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // let the worker prepare one
  EXPECT_EQ(loader.state(), (LoaderState{0, 0}));
  loader.next();
  EXPECT_EQ(loader.state(), (LoaderState{0, 1}));
}

// Runs `before` batches, restores a fresh loader from the state, and compares the following batches
// element-wise with a loader that was never interrupted.
void check_restore(bool prefetch) {
  const LoaderOptions options{.batch_size = 3, .drop_last = true, .seed = 11, .prefetch = prefetch};
  DataLoader uninterrupted(counting(10), options);  // 3 batches per epoch
  DataLoader first(counting(10), options);
  take(uninterrupted, 5);
  take(first, 5);
  const LoaderState saved = first.state();
  EXPECT_EQ(saved, (LoaderState{1, 2}));

  DataLoader resumed(counting(10), options);
  resumed.next();  // its own position must not matter
  resumed.restore(saved);
  EXPECT_EQ(resumed.state(), saved);
  for (int i = 0; i < 7; ++i) {  // across the boundaries into epochs 2 and 3
    const Batch expected = uninterrupted.next(), got = resumed.next();
    EXPECT_EQ(got.inputs.to_vector<float>(), expected.inputs.to_vector<float>()) << "batch " << i;
    EXPECT_EQ(got.targets.to_vector<int64_t>(), expected.targets.to_vector<int64_t>()) << "batch " << i;
  }
  EXPECT_EQ(resumed.state(), (LoaderState{4, 0}));
}

TEST(DataLoader, RestoreContinuesExactlyAcrossAnEpochBoundary) { check_restore(true); }
TEST(DataLoader, RestoreContinuesExactlyWithoutPrefetch) { check_restore(false); }

TEST(DataLoader, RestoreDiscardsThePrefetchedBatch) {
  const LoaderOptions options{.batch_size = 2, .seed = 5};
  DataLoader reference(counting(9), options);
  const auto expected = take(reference, 6);
  DataLoader loader(counting(9), options);
  take(loader, 3);  // the worker has batch 3 ready by now
  loader.restore({0, 1});
  EXPECT_EQ(take(loader, 5), std::vector(expected.begin() + 1, expected.end()));
}

TEST(DataLoader, WorkerExceptionReachesNext) {
  for (const bool prefetch : {true, false}) {
    SCOPED_TRACE(prefetch ? "prefetch" : "no prefetch");
    // In order with batch 2, example 7 is in batch 3.
    DataLoader loader(counting(10, 7), {.batch_size = 2, .shuffle = false, .prefetch = prefetch});
    EXPECT_EQ(take(loader, 3), (std::vector<std::vector<int64_t>>{{0, 1}, {2, 3}, {4, 5}}));
    EXPECT_THROW(loader.next(), IOError);
    EXPECT_EQ(error_text([&] { loader.next(); }), "disk gone while reading example 7");  // retried, same error
    EXPECT_EQ(loader.state(), (LoaderState{0, 3}));
    loader.restore({0, 4});
    EXPECT_EQ(targets_of(loader.next()), (std::vector<int64_t>{8, 9}));
  }
}

TEST(DataLoader, DestructorStopsABusyWorker) {
  const auto start = std::chrono::steady_clock::now();
  {
    DataLoader loader(counting(10, -1, 30), {.batch_size = 2});
    loader.next();
  }  // the worker is building batch 1; the destructor waits for it and joins
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 1.0);
}

TEST(DataLoader, InvalidOptionsAreConfigErrors) {
  EXPECT_THROW(DataLoader(nullptr, {}), ConfigError);
  EXPECT_NE(error_text([] { DataLoader(counting(10), {.batch_size = 0}); }).find("batch_size 0 must be at least 1"),
            std::string::npos);
  EXPECT_NE(error_text([] { DataLoader(counting(0), {.batch_size = 1}); }).find("counting: 0 examples) is empty"),
            std::string::npos);
  const std::string too_big = error_text([] { DataLoader(counting(10), {.batch_size = 11}); });
  EXPECT_NE(too_big.find("batch_size 11 is larger than the 10 examples"), std::string::npos) << too_big;
  EXPECT_NO_THROW(DataLoader(counting(10), {.batch_size = 11, .drop_last = false}));
  EXPECT_THROW(DataLoader(counting(10), {.batch_size = 11}), ConfigError);
}

TEST(DataLoader, RestoreRejectsStatesOutOfRange) {
  DataLoader loader(counting(10), {.batch_size = 3});
  const std::string message = error_text([&] { loader.restore({0, 3}); });
  EXPECT_NE(message.find("cannot restore epoch 0 position 3"), std::string::npos) << message;
  EXPECT_NE(message.find("positions 0..2"), std::string::npos) << message;
  EXPECT_THROW(loader.restore({-1, 0}), ConfigError);
  EXPECT_THROW(loader.restore({0, -1}), ConfigError);
  EXPECT_EQ(loader.state(), (LoaderState{0, 0}));
}

TEST(DataLoader, SequentialBatchesCoverTheDatasetInOrder) {
  const std::vector<Batch> batches = sequential_batches(CountingDataset(10), 4);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(targets_of(batches[0]), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(targets_of(batches[2]), (std::vector<int64_t>{8, 9}));
  EXPECT_EQ(batches[2].inputs.shape(), (Shape{2, 1}));
  EXPECT_TRUE(sequential_batches(CountingDataset(0), 4).empty());
  EXPECT_THROW(sequential_batches(CountingDataset(10), 0), ConfigError);
}

TEST(DataPermutation, IsAPermutationAndAPureFunctionOfItsArguments) {
  const std::vector<int64_t> p = philox_permutation(1000, 1, 2);
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[static_cast<size_t>(i)], i);
  EXPECT_EQ(p, philox_permutation(1000, 1, 2));
  EXPECT_NE(p, philox_permutation(1000, 1, 3));
  EXPECT_NE(p, philox_permutation(1000, 2, 2));
  EXPECT_EQ(philox_permutation(1, 0, 0), std::vector<int64_t>{0});
  EXPECT_TRUE(philox_permutation(0, 0, 0).empty());
  // Every position receives many different elements over streams: no fixed points in the design.
  std::set<int64_t> first;
  for (uint64_t stream = 0; stream < 200; ++stream) first.insert(philox_permutation(10, 0, stream)[0]);
  EXPECT_EQ(first.size(), 10u);
}

}  // namespace
}  // namespace nimbus::data
