// Note [Thread budget] in serve/compute_threads.h and Note [Compute budget] in
// serve/compute_budget.h: batches on one device hold threads of its budget, waiting in arrival
// order, and the compute thread count set on an instance thread stays on that thread.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "exported_model_fixture.h"
#include "runtime/error.h"
#include "serve/batcher.h"
#include "serve/compute_budget.h"
#include "serve/compute_threads.h"

namespace fs = std::filesystem;

namespace nimbus::serve {

TEST(ThreadBudget, ComputeThreadsAreSetPerThread) {
  const int outside = default_compute_threads();
  ASSERT_GE(outside, 1);
  int inside = 0;
  std::thread([&] {
    set_compute_threads(outside + 1);  // differs from the default, so the check can fail
    inside = default_compute_threads();
  }).join();
  EXPECT_EQ(inside, outside + 1);
  EXPECT_EQ(default_compute_threads(), outside) << "another thread's setting leaked into this one";
}

TEST(ThreadBudget, ABatchWaitsForTheDevicesThreads) {
  const fs::path folder = fs::temp_directory_path() / ("nimbus_thread_budget_test_" + std::to_string(::getpid()));
  testing::write_exported_mlp(folder);
  const std::shared_ptr<ServedModel> model = ServedModel::load(folder.string(), Device::cpu());
  fs::remove_all(folder);

  ModelMetrics metrics;
  BatchingOptions options;
  options.max_queue_delay_us = 0;
  options.compute_threads = 1;
  auto budget = std::make_shared<ComputeBudget>(1);
  Batcher batcher("test model", model, options, metrics, budget);
  std::atomic<bool> answered{false};
  std::vector<float> got;
  // Another model's batch holds the device's thread: this one queues behind it.
  ComputeBudget::Lease other_batch = budget->acquire(1);
  std::thread client([&] {
    got = batcher.infer({1, 2, 3, 4}, 1);
    answered = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(answered) << "the batch ran while another held the device";
  EXPECT_EQ(metrics.executions.load(), 0u);
  other_batch = ComputeBudget::Lease();
  client.join();
  ASSERT_TRUE(answered);
  EXPECT_EQ(got, model->run({1, 2, 3, 4}, 1));
  EXPECT_EQ(metrics.executions.load(), 1u);
}

TEST(ThreadBudget, LeasesAreGrantedInArrivalOrder) {
  ComputeBudget budget(2);
  EXPECT_EQ(budget.acquire(5).threads(), 2) << "more than the budget is the whole budget";
  EXPECT_EQ(budget.free_threads(), 2);
  ComputeBudget::Lease held = budget.acquire(2);
  std::mutex mutex;
  std::vector<std::string> order;
  // `whole` asks for both threads first; `one` arrives later asking for one: it must not overtake
  // (else a stream of small batches could starve a model whose instance takes the whole budget).
  std::thread whole([&] {
    ComputeBudget::Lease lease = budget.acquire(2);
    std::lock_guard lock(mutex);
    order.push_back("whole");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread one([&] {
    ComputeBudget::Lease lease = budget.acquire(1);
    std::lock_guard lock(mutex);
    order.push_back("one");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(order.empty());
  held = ComputeBudget::Lease();
  whole.join();
  one.join();
  EXPECT_EQ(order, (std::vector<std::string>{"whole", "one"}));
  EXPECT_EQ(budget.free_threads(), 2);
  EXPECT_THROW(ComputeBudget(0), ConfigError);
}

}  // namespace nimbus::serve
