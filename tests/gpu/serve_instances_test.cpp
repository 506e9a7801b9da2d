// Note [Model instances] in serve/batcher.h on a GPU: two instances of a model on cuda:0 each run
// on a stream of their own (not the default stream, not each other's), their batches answer
// concurrent requests with the CPU model's values, and the weights they share were loaded once.
// Skipped without a CUDA device (and not built without the inference library).
#include <gtest/gtest.h>

#if NIMBUS_TEST_SERVE
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unistd.h>

#include "gpu/parity_harness.h"
#include "serve/batcher.h"
#include "serve/exported_model_fixture.h"

namespace nimbus::serve {
namespace {

namespace fs = std::filesystem;

std::vector<float> row(int i) { return {0.1f * i, -0.2f * i, 0.3f, static_cast<float>(i % 5)}; }

TEST(CudaServeInstances, EachInstanceRunsOnItsOwnStreamWithTheCpuAnswers) {
  NIMBUS_REQUIRE_GPU();
  const fs::path folder = fs::temp_directory_path() / ("nimbus_gpu_serve_instances_" + std::to_string(::getpid()));
  testing::write_exported_mlp(folder);
  const std::shared_ptr<ServedModel> cpu = ServedModel::load(folder.string(), Device::cpu());
  const std::shared_ptr<ServedModel> gpu = ServedModel::load(folder.string(), gpu_parity::gpu());
  fs::remove_all(folder);

  ModelMetrics metrics;
  std::mutex mutex;
  std::map<int, std::set<uint64_t>> streams;  // instance -> the current stream handles it ran on
  BatchingOptions options;
  options.instances = 2;
  options.max_batch_size = 4;
  options.before_batch = [&](int instance) {
    std::lock_guard lock(mutex);
    streams[instance].insert(current_stream(gpu_parity::gpu()).handle);
  };
  Batcher batcher("gpu model", gpu, options, metrics, std::make_shared<ComputeBudget>(2));
  constexpr int kRequests = 64;
  std::vector<std::vector<float>> answers(kRequests);
  std::vector<std::thread> clients;
  for (int i = 0; i < kRequests; ++i) clients.emplace_back([&, i] { answers[static_cast<size_t>(i)] = batcher.infer(row(i), 1); });
  for (std::thread& t : clients) t.join();
  batcher.stop();

  for (int i = 0; i < kRequests; ++i) {
    const std::vector<float> want = cpu->run(row(i), 1);
    ASSERT_EQ(answers[static_cast<size_t>(i)].size(), want.size());
    for (size_t j = 0; j < want.size(); ++j) EXPECT_NEAR(answers[static_cast<size_t>(i)][j], want[j], 1e-4) << "request " << i;
  }
  std::set<uint64_t> all;
  for (const auto& [instance, handles] : streams) {
    EXPECT_EQ(handles.size(), 1u) << "instance " << instance << " changed streams";
    EXPECT_EQ(handles.count(0), 0u) << "instance " << instance << " ran on the default stream";
    all.insert(handles.begin(), handles.end());
  }
  EXPECT_EQ(all.size(), streams.size()) << "two instances shared a stream";
  EXPECT_EQ(metrics.inferences.load(), static_cast<uint64_t>(kRequests));
}

}  // namespace
}  // namespace nimbus::serve
#endif
