// Note [Thread budget] in serve/compute_threads.h: batches on one device take turns, and the
// compute thread count set on a batcher thread stays on that thread.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "exported_model_fixture.h"
#include "serve/batcher.h"
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

TEST(ThreadBudget, ABatchWaitsForTheDeviceLock) {
  const fs::path folder = fs::temp_directory_path() / ("nimbus_thread_budget_test_" + std::to_string(::getpid()));
  testing::write_exported_mlp(folder);
  const std::shared_ptr<ServedModel> model = ServedModel::load(folder.string(), Device::cpu());
  fs::remove_all(folder);

  ModelMetrics metrics;
  BatchingOptions options;
  options.max_queue_delay_us = 0;
  options.compute_threads = 1;
  auto device_lock = std::make_shared<std::mutex>();
  Batcher batcher("test model", model, options, metrics, device_lock);
  std::atomic<bool> answered{false};
  std::vector<float> got;
  // Another model's batch holds the device: this one queues behind it.
  std::unique_lock other_batch(*device_lock);
  std::thread client([&] {
    got = batcher.infer({1, 2, 3, 4}, 1);
    answered = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(answered) << "the batch ran while another held the device";
  EXPECT_EQ(metrics.executions.load(), 0u);
  other_batch.unlock();
  client.join();
  ASSERT_TRUE(answered);
  EXPECT_EQ(got, model->run({1, 2, 3, 4}, 1));
  EXPECT_EQ(metrics.executions.load(), 1u);
}

}  // namespace nimbus::serve
