#include "serve/batcher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>
#include <thread>

#include "serve/http_error.h"
#include "exported_model_fixture.h"

namespace fs = std::filesystem;

namespace nimbus::serve {

namespace {

std::shared_ptr<ServedModel> small_model() {
  const fs::path folder = fs::temp_directory_path() / ("nimbus_batcher_test_" + std::to_string(::getpid()));
  testing::write_exported_mlp(folder);
  std::shared_ptr<ServedModel> model = ServedModel::load(folder.string(), Device::cpu());
  fs::remove_all(folder);
  return model;
}

std::vector<float> row(int i) { return {0.1f * i, -0.2f * i, 0.3f, static_cast<float>(i % 5)}; }

}  // namespace

TEST(Batcher, ConcurrentRequestsRunTogetherAndGetTheirOwnAnswers) {
  std::shared_ptr<ServedModel> model = small_model();
  constexpr int kRequests = 32;
  std::vector<std::vector<float>> alone(kRequests);
  for (int i = 0; i < kRequests; ++i) alone[i] = model->run(row(i), 1);

  ModelMetrics metrics;
  BatchingOptions options;
  options.max_batch_size = 8;
  options.max_queue_delay_us = 20'000;  // long enough for the threads below to meet
  Batcher batcher("test model", model, options, metrics);
  std::vector<std::vector<float>> batched(kRequests);
  std::vector<std::thread> clients;
  for (int i = 0; i < kRequests; ++i) clients.emplace_back([&, i] { batched[i] = batcher.infer(row(i), 1); });
  for (std::thread& t : clients) t.join();

  // The CPU GEMM may round a row differently with other rows beside it: equal within float steps.
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(batched[i].size(), alone[i].size());
    for (size_t j = 0; j < alone[i].size(); ++j) EXPECT_NEAR(batched[i][j], alone[i][j], 1e-5) << "request " << i;
  }
  EXPECT_EQ(metrics.inferences.load(), static_cast<uint64_t>(kRequests));
  EXPECT_LT(metrics.executions.load(), static_cast<uint64_t>(kRequests));
  EXPECT_GE(metrics.executions.load(), static_cast<uint64_t>(kRequests / options.max_batch_size));
}

TEST(Batcher, AFullQueueAnswers503AndAStoppedOneRefusesWork) {
  std::shared_ptr<ServedModel> model = small_model();
  ModelMetrics metrics;
  BatchingOptions options;
  options.max_queue_requests = 1;
  options.max_batch_size = 1000;
  options.max_queue_delay_us = 300'000;  // the first request waits, holding the only queue slot
  Batcher batcher("test model", model, options, metrics);
  std::thread first([&] { batcher.infer(row(1), 1); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  try {
    batcher.infer(row(2), 1);
    ADD_FAILURE() << "expected a full queue";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_NE(std::string(e.what()).find("is full"), std::string::npos) << e.what();
  }
  first.join();
  batcher.stop();
  try {
    batcher.infer(row(3), 1);
    ADD_FAILURE() << "expected a refusal";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 503);
  }
}

}  // namespace nimbus::serve
