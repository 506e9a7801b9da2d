// Note [Model instances] in serve/batcher.h: several instances take batches from one queue at
// once, share the model's weights, keep within the device's compute budget, and all drain on stop.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "exported_model_fixture.h"
#include "runtime/error.h"
#include "serve/batcher.h"
#include "serve/compute_threads.h"
#include "serve/http_error.h"
#include "serve/inference_server.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace nimbus::serve {

namespace {

std::shared_ptr<ServedModel> small_model() {
  const fs::path folder = fs::temp_directory_path() / ("nimbus_instances_test_" + std::to_string(::getpid()));
  testing::write_exported_mlp(folder);
  std::shared_ptr<ServedModel> model = ServedModel::load(folder.string(), Device::cpu());
  fs::remove_all(folder);
  return model;
}

std::vector<float> row(int i) { return {0.1f * i, -0.2f * i, 0.3f, static_cast<float>(i % 5)}; }

// What the before_batch hook saw: when each batch ran, on which instance, and how many at once.
struct BatchLog {
  struct Span {
    int instance;
    Clock::time_point start, end;
  };
  std::mutex mutex;
  std::vector<Span> spans;
  std::atomic<int> running{0}, most_at_once{0};

  // A hook that makes every batch take `duration` and records it.
  std::function<void(int)> slow_hook(std::chrono::milliseconds duration) {
    return [this, duration](int instance) {
      const int now = ++running;
      int seen = most_at_once.load();
      while (now > seen && !most_at_once.compare_exchange_weak(seen, now)) {}
      const Clock::time_point start = Clock::now();
      std::this_thread::sleep_for(duration);
      --running;
      std::lock_guard lock(mutex);
      spans.push_back({instance, start, Clock::now()});
    };
  }
};

// Runs `count` single-row requests from as many threads at once; returns their answers.
std::vector<std::vector<float>> infer_concurrently(Batcher& batcher, int count) {
  std::vector<std::vector<float>> answers(static_cast<size_t>(count));
  std::vector<std::thread> clients;
  for (int i = 0; i < count; ++i) clients.emplace_back([&, i] { answers[static_cast<size_t>(i)] = batcher.infer(row(i), 1); });
  for (std::thread& t : clients) t.join();
  return answers;
}

}  // namespace

TEST(ModelInstances, TwoInstancesRunTwoBatchesAtTheSameTime) {
  const std::shared_ptr<ServedModel> model = small_model();
  ModelMetrics metrics;
  BatchLog log;
  BatchingOptions options;
  options.instances = 2;
  options.max_batch_size = 1;  // each request is its own batch
  options.before_batch = log.slow_hook(std::chrono::milliseconds(300));
  Batcher batcher("test model", model, options, metrics, std::make_shared<ComputeBudget>(2));
  EXPECT_EQ(batcher.instances(), 2);
  EXPECT_EQ(batcher.threads_per_instance(), 1);

  const std::vector<std::vector<float>> answers = infer_concurrently(batcher, 2);
  ASSERT_EQ(log.spans.size(), 2u);
  const BatchLog::Span& a = log.spans[0];
  const BatchLog::Span& b = log.spans[1];
  EXPECT_NE(a.instance, b.instance) << "both batches ran on instance " << a.instance;
  EXPECT_TRUE(a.start < b.end && b.start < a.end) << "the two batches did not overlap in time";
  EXPECT_EQ(log.most_at_once.load(), 2);
  // A batch of one row is the computation a single request does alone: the same bits.
  for (int i = 0; i < 2; ++i) EXPECT_EQ(answers[static_cast<size_t>(i)], model->run(row(i), 1)) << "request " << i;
  EXPECT_EQ(metrics.executions.load(), 2u);
  EXPECT_EQ(metrics.instance_executions[0].load(), 1u);
  EXPECT_EQ(metrics.instance_executions[1].load(), 1u);
}

TEST(ModelInstances, ConcurrentRequestsGetTheirSingleRequestAnswers) {
  const std::shared_ptr<ServedModel> model = small_model();
  constexpr int kRequests = 48;
  std::vector<std::vector<float>> alone(kRequests);
  for (int i = 0; i < kRequests; ++i) alone[static_cast<size_t>(i)] = model->run(row(i), 1);

  ModelMetrics metrics;
  BatchingOptions options;
  options.instances = 4;
  options.max_batch_size = 4;
  Batcher batcher("test model", model, options, metrics, std::make_shared<ComputeBudget>(4));
  const std::vector<std::vector<float>> answers = infer_concurrently(batcher, kRequests);
  // The CPU GEMM may round a row differently with other rows beside it: equal within float steps.
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(answers[static_cast<size_t>(i)].size(), alone[static_cast<size_t>(i)].size());
    for (size_t j = 0; j < alone[static_cast<size_t>(i)].size(); ++j)
      EXPECT_NEAR(answers[static_cast<size_t>(i)][j], alone[static_cast<size_t>(i)][j], 1e-5) << "request " << i;
  }
  EXPECT_EQ(metrics.inferences.load(), static_cast<uint64_t>(kRequests));
  uint64_t by_instance = 0;
  for (int i = 0; i < 4; ++i) by_instance += metrics.instance_executions[static_cast<size_t>(i)].load();
  EXPECT_EQ(by_instance, metrics.executions.load()) << "every execution is counted on exactly one instance";
  for (size_t i = 4; i < metrics.instance_executions.size(); ++i) EXPECT_EQ(metrics.instance_executions[i].load(), 0u);
}

TEST(ModelInstances, TheComputeBudgetBoundsInstancesTimesThreads) {
  const std::shared_ptr<ServedModel> model = small_model();
  // A budget of 1 thread: two instances of 1 thread each may not compute at the same time.
  {
    ModelMetrics metrics;
    BatchLog log;
    BatchingOptions options;
    options.instances = 2;
    options.max_batch_size = 1;
    options.before_batch = log.slow_hook(std::chrono::milliseconds(100));
    Batcher batcher("test model", model, options, metrics, std::make_shared<ComputeBudget>(1));
    EXPECT_EQ(batcher.threads_per_instance(), 1);
    infer_concurrently(batcher, 4);
    EXPECT_EQ(log.most_at_once.load(), 1) << "2 instances x 1 thread ran on a budget of 1 thread";
    EXPECT_EQ(metrics.executions.load(), 4u);
  }
  // A budget of 4 threads: two instances of 2 threads each, and each batch runs with its 2 (the
  // OpenMP setting of its instance thread).
  {
    ModelMetrics metrics;
    std::mutex mutex;
    std::vector<int> threads_seen;
    BatchingOptions options;
    options.instances = 2;
    options.max_batch_size = 1;
    options.max_queue_delay_us = 1;  // every batch on the instance threads (Note [Running on the receiving thread])
    options.before_batch = [&](int) {
      std::lock_guard lock(mutex);
      threads_seen.push_back(default_compute_threads());
    };
    auto budget = std::make_shared<ComputeBudget>(4);
    Batcher batcher("test model", model, options, metrics, budget);
    EXPECT_EQ(batcher.threads_per_instance(), 2);
    infer_concurrently(batcher, 4);
    batcher.stop();
    EXPECT_EQ(threads_seen, std::vector<int>(4, 2));
    EXPECT_EQ(budget->free_threads(), 4) << "a batch kept its threads after it ran";
  }
  EXPECT_EQ(threads_per_instance(8, 3), 2);
  EXPECT_EQ(threads_per_instance(2, 4), 1);  // more instances than threads: 1 each, the budget bounds the rest
  EXPECT_EQ(threads_per_instance(0, 1), default_compute_threads());
}

TEST(ModelInstances, StopDrainsTheQueueOnEveryInstance) {
  const std::shared_ptr<ServedModel> model = small_model();
  ModelMetrics metrics;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> entered{0};
  BatchingOptions options;
  options.instances = 2;
  options.max_batch_size = 1;
  options.before_batch = [&](int) {
    ++entered;
    released.wait();  // every batch waits until the test has called stop()
  };
  Batcher batcher("test model", model, options, metrics, std::make_shared<ComputeBudget>(2));
  constexpr int kRequests = 6;
  std::vector<std::future<std::vector<float>>> answers;
  for (int i = 0; i < kRequests; ++i)
    answers.push_back(std::async(std::launch::async, [&batcher, i] { return batcher.infer(row(i), 1); }));
  // Both instances busy, the other requests queued behind them.
  const Clock::time_point give_up = Clock::now() + std::chrono::seconds(10);
  while ((entered < 2 || batcher.queued_requests() < kRequests - 2) && Clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(entered.load(), 2);
  ASSERT_EQ(batcher.queued_requests(), static_cast<size_t>(kRequests - 2));

  std::thread stopper([&] { batcher.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.set_value();
  stopper.join();
  // stop() returned after everything queued had run (each execution is counted before its
  // requests are answered), and every request has its answer.
  EXPECT_EQ(metrics.executions.load(), static_cast<uint64_t>(kRequests));
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(answers[static_cast<size_t>(i)].wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(answers[static_cast<size_t>(i)].get(), model->run(row(i), 1)) << "request " << i;
  }
  EXPECT_GT(metrics.instance_executions[0].load(), 0u);
  EXPECT_GT(metrics.instance_executions[1].load(), 0u);
  EXPECT_EQ(batcher.queued_requests(), 0u);
  EXPECT_THROW(batcher.infer(row(0), 1), HttpError);
}

TEST(ModelInstances, AFailingBatchFailsOnlyItsRequests) {
  const std::shared_ptr<ServedModel> model = small_model();
  ModelMetrics metrics;
  BatchingOptions options;
  options.instances = 2;
  options.max_batch_size = 1;
  std::atomic<int> batches{0};
  options.before_batch = [&](int) {
    if (batches++ == 0) throw std::runtime_error("injected failure");
  };
  Batcher batcher("test model", model, options, metrics);
  try {
    batcher.infer(row(1), 1);
    ADD_FAILURE() << "expected the injected failure";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_NE(std::string(e.what()).find("injected failure"), std::string::npos) << e.what();
  }
  EXPECT_EQ(batcher.infer(row(2), 1), model->run(row(2), 1)) << "the instance did not survive the failure";
}

TEST(ModelInstances, CountsOutsideTheLimitsAreRefused) {
  const std::shared_ptr<ServedModel> model = small_model();
  ModelMetrics metrics;
  for (const int instances : {0, -1, kMaxInstances + 1}) {
    BatchingOptions options;
    options.instances = instances;
    try {
      Batcher batcher("test model", model, options, metrics);
      ADD_FAILURE() << instances << " instances were accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("instances must be from 1 to 64, got " + std::to_string(instances)),
                std::string::npos) << e.what();
    }
  }
}

TEST(ModelInstances, MetadataMaySayHowMany) {
  ModelMetadata metadata;
  metadata.inputs.push_back({"input", "FP32", {-1, 4}});
  metadata.outputs.push_back({"logits", "FP32", {-1, 3}});
  EXPECT_FALSE(parse_metadata_json(metadata_to_json(metadata), "m.json").instances.has_value());
  metadata.instances = 3;
  const std::string text = metadata_to_json(metadata);
  EXPECT_NE(text.find("\"instances\": 3"), std::string::npos) << text;
  EXPECT_EQ(parse_metadata_json(text, "m.json").instances, 3);
  for (const char* bad : {"0", "65", "1.5", "\"2\"", "-2"}) {
    std::string edited = text;
    edited.replace(edited.find("\"instances\": 3") + 13, 1, bad);
    try {
      parse_metadata_json(edited, "m.json");
      ADD_FAILURE() << "instances " << bad << " was accepted";
    } catch (const ParseError& e) {
      EXPECT_NE(std::string(e.what()).find("m.json: instances must be a whole number from 1 to 64, got " + std::string(bad)),
                std::string::npos) << e.what();
    }
  }
}

TEST(ModelInstances, AVersionsMetadataOverridesTheServerDefault) {
  const fs::path folder = fs::temp_directory_path() / ("nimbus_instances_override_" + std::to_string(::getpid()));
  testing::write_exported_mlp(folder / "plain");
  testing::write_exported_mlp(folder / "pinned");
  ModelMetadata metadata = parse_metadata_json(
      std::string(std::istreambuf_iterator<char>(std::ifstream(folder / "pinned" / "metadata.json").rdbuf()), {}), "metadata.json");
  metadata.instances = 2;
  std::ofstream(folder / "pinned" / "metadata.json") << metadata_to_json(metadata);
  const ModelVersion plain{"plain", 1, (folder / "plain").string(), ServedModel::load((folder / "plain").string(), Device::cpu())};
  const ModelVersion pinned{"pinned", 1, (folder / "pinned").string(), ServedModel::load((folder / "pinned").string(), Device::cpu())};
  fs::remove_all(folder);
  EXPECT_EQ(instances_of(plain, 3), 3);
  EXPECT_EQ(instances_of(pinned, 3), 2);
}

// Note [Running on the receiving thread] in serve/batcher.h.
TEST(RunOnCaller, ALoneRequestRunsOnTheThreadThatSentIt) {
  const std::shared_ptr<ServedModel> model = small_model();
  ModelMetrics metrics;
  std::thread::id ran_on;
  int threads = 0;
  BatchingOptions options;
  options.before_batch = [&](int) {
    ran_on = std::this_thread::get_id();
    threads = default_compute_threads();
  };
  Batcher batcher("test model", model, options, metrics, std::make_shared<ComputeBudget>(2));
  EXPECT_EQ(batcher.infer(row(3), 1), model->run(row(3), 1));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(threads, 1) << "a lone request of a few rows runs on one thread";
  EXPECT_EQ(metrics.executions.load(), 1u);
  EXPECT_EQ(metrics.instance_executions[0].load(), 1u);
}

TEST(RunOnCaller, ARequestOfManyRowsRunsOnTheInstanceThread) {
  const std::shared_ptr<ServedModel> model = small_model();
  ModelMetrics metrics;
  std::thread::id ran_on;
  BatchingOptions options;
  options.before_batch = [&](int) { ran_on = std::this_thread::get_id(); };
  Batcher batcher("test model", model, options, metrics, std::make_shared<ComputeBudget>(2));
  std::vector<float> rows;
  for (int i = 0; i <= Batcher::kCallerRows; ++i) {
    const std::vector<float> one = row(i);
    rows.insert(rows.end(), one.begin(), one.end());
  }
  EXPECT_EQ(batcher.infer(rows, Batcher::kCallerRows + 1), model->run(rows, Batcher::kCallerRows + 1));
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(RunOnCaller, AQueueDelayKeepsRequestsOnTheInstanceThreads) {
  const std::shared_ptr<ServedModel> model = small_model();
  ModelMetrics metrics;
  std::thread::id ran_on;
  BatchingOptions options;
  options.max_queue_delay_us = 1000;  // a request waits for company, so it is handed over
  options.before_batch = [&](int) { ran_on = std::this_thread::get_id(); };
  Batcher batcher("test model", model, options, metrics);
  EXPECT_EQ(batcher.infer(row(3), 1), model->run(row(3), 1));
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(RunOnCaller, AClaimedInstanceRunsOneBatchAtATimeAndTheQueueWaitsForIt) {
  const std::shared_ptr<ServedModel> model = small_model();
  ModelMetrics metrics;
  BatchLog log;
  BatchingOptions options;  // one instance
  options.max_batch_size = 1;
  options.before_batch = log.slow_hook(std::chrono::milliseconds(150));
  Batcher batcher("test model", model, options, metrics, std::make_shared<ComputeBudget>(2));
  // The first request claims the idle instance; the next ones find it busy and queue.
  std::future<std::vector<float>> first = std::async(std::launch::async, [&] { return batcher.infer(row(0), 1); });
  const Clock::time_point give_up = Clock::now() + std::chrono::seconds(10);
  while (log.running.load() == 0 && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::vector<std::vector<float>> answers = infer_concurrently(batcher, 3);
  EXPECT_EQ(first.get(), model->run(row(0), 1));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(answers[static_cast<size_t>(i)], model->run(row(i), 1)) << "request " << i;
  EXPECT_EQ(log.most_at_once.load(), 1) << "the one instance ran two batches at once";
  EXPECT_EQ(metrics.executions.load(), 4u);
  EXPECT_EQ(metrics.instance_executions[0].load(), 4u);
}

TEST(RunOnCaller, StopWaitsForARequestRunningOnItsCaller) {
  const std::shared_ptr<ServedModel> model = small_model();
  ModelMetrics metrics;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> entered{false};
  BatchingOptions options;
  options.before_batch = [&](int) {
    entered = true;
    released.wait();
  };
  Batcher batcher("test model", model, options, metrics, std::make_shared<ComputeBudget>(2));
  std::future<std::vector<float>> answer = std::async(std::launch::async, [&] { return batcher.infer(row(1), 1); });
  const Clock::time_point give_up = Clock::now() + std::chrono::seconds(10);
  while (!entered && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(entered.load());
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    batcher.stop();
    stopped = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(stopped.load()) << "stop() returned while a request was still running";
  release.set_value();
  stopper.join();
  EXPECT_EQ(answer.get(), model->run(row(1), 1));
  EXPECT_EQ(metrics.executions.load(), 1u);
}

}  // namespace nimbus::serve
