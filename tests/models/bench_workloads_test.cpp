// The `nimbus bench train` workloads: each config builds the architecture the benchmark promises
// (checked by its parameter count), is a config `nimbus train` accepts, and the benchmark's steps
// (Trainer::train_step on Trainer::next_batch) are the steps `nimbus train` takes: the first three
// losses agree bit for bit with the metrics.jsonl that Trainer::run() writes for the same config.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "models/runner/bench_workloads.h"
#include "models/runner/trainer.h"
#include "runtime/error.h"

namespace nimbus::models {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("nimbus_bench_workloads_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

int64_t parameter_count(const nn::Module& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters()) n += p.data().numel();
  return n;
}

// The train losses of metrics.jsonl, in step order.
std::vector<double> logged_train_losses(const fs::path& metrics) {
  std::ifstream in(metrics);
  EXPECT_TRUE(in.good()) << metrics;
  std::vector<double> losses;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json record = nlohmann::json::parse(line);
    if (record.at("split") == "train") losses.push_back(record.at("loss").get<double>());
  }
  return losses;
}

TEST(BenchWorkloads, ListsTheThreeWorkloads) {
  EXPECT_EQ(bench_workloads(), (std::vector<std::string>{"mlp", "cnn", "gpt"}));
}

TEST(BenchWorkloads, UnknownWorkloadNamesItAndTheChoices) {
  try {
    bench_workload_config("resnet");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'resnet'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mlp, cnn or gpt"), std::string::npos) << e.what();
  }
}

// The sizes the benchmark reports against PyTorch: a wrong width or kernel changes the count.
TEST(BenchWorkloads, ModelsHaveTheAdvertisedParameterCounts) {
  const std::map<std::string, int64_t> expected = {{"mlp", 1'863'690}, {"cnn", 421'642}, {"gpt", 3'225'600}};
  for (const std::string& workload : bench_workloads()) {
    const RunConfig config = bench_workload_config(workload);
    Generator init(0), dropout(0);
    EXPECT_EQ(parameter_count(*build_model(config.model, init, dropout)), expected.at(workload)) << workload;
  }
}

TEST(BenchWorkloads, BatchesAndOptimizersAreTheAdvertisedOnes) {
  const RunConfig mlp = bench_workload_config("mlp"), cnn = bench_workload_config("cnn"),
                  gpt = bench_workload_config("gpt");
  EXPECT_EQ(mlp.data.batch_size, 256);
  EXPECT_EQ(mlp.optimizer.name, "sgd");
  EXPECT_DOUBLE_EQ(mlp.optimizer.momentum, 0.9);
  EXPECT_EQ(cnn.data.batch_size, 64);
  EXPECT_EQ(cnn.data.input_shape, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(cnn.optimizer.name, "adam");
  EXPECT_EQ(gpt.data.batch_size, 16);
  EXPECT_EQ(gpt.data.context, 128);
  EXPECT_EQ(gpt.data.classes, 65);
  EXPECT_EQ(gpt.optimizer.name, "adamw");
  for (const RunConfig* c : {&mlp, &cnn, &gpt}) {
    EXPECT_EQ(c->device, "cpu");
    EXPECT_EQ(c->data.dataset, "synthetic");
    EXPECT_EQ(c->model.dropout, 0.0);
  }
}

// Written out as YAML, each config loads back unchanged: `nimbus train` runs exactly this config.
TEST(BenchWorkloads, ConfigsAreValidRunConfigs) {
  for (const std::string& workload : bench_workloads()) {
    const std::string yaml = to_yaml(bench_workload_config(workload));
    RunConfig loaded;
    ASSERT_NO_THROW(loaded = parse_run_config(yaml, workload + ".yaml", ".")) << yaml;
    EXPECT_EQ(to_yaml(loaded), yaml) << workload;
  }
}

// The workload's config for the step test. The full-size gpt takes over a second per step on two
// cores, so it runs narrower and shorter here: the steps go through the same code either way
// (this test is about train_step and run() agreeing, the size test above about the sizes).
RunConfig step_test_config(const std::string& workload) {
  RunConfig c = bench_workload_config(workload);
  if (workload == "gpt") {
    c.model.layers = 2;
    c.model.width = 64;
    c.data.context = c.model.context = 32;
    c.model.input_shape = {32};
    c.data.batch_size = c.data.val_size = c.data.test_size = 4;
  }
  return c;
}

class BenchWorkloadSteps : public ::testing::TestWithParam<std::string> {};

TEST_P(BenchWorkloadSteps, FirstLossesMatchTrainRunBitForBit) {
  const std::string workload = GetParam();
  const TempDir tmp;
  std::ostringstream log;
  TrainOptions options;
  options.log = &log;
  options.interactive = false;

  // What `nimbus bench train` does: construct, then step on the loader's batches.
  RunConfig bench_config = step_test_config(workload);
  bench_config.checkpoint.dir = (tmp.path() / "bench").string();
  std::vector<double> bench_losses;
  {
    Trainer trainer(bench_config, options);
    for (int i = 0; i < 3; ++i) bench_losses.push_back(trainer.train_step(trainer.next_batch()));
  }
  EXPECT_FALSE(fs::exists(bench_config.checkpoint.dir)) << "the benchmark must not write a run directory";

  // What `nimbus train` does with the same config, stopped after three steps.
  RunConfig run_config = step_test_config(workload);
  run_config.training.steps = 3;
  run_config.training.log_every = 1;
  run_config.checkpoint.dir = (tmp.path() / "run").string();
  Trainer(run_config, options).run();
  const std::vector<double> run_losses = logged_train_losses(tmp.path() / "run" / "metrics.jsonl");

  ASSERT_EQ(run_losses.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::isfinite(bench_losses[i])) << workload << " step " << i + 1;
    EXPECT_EQ(bench_losses[i], run_losses[i]) << workload << " step " << i + 1;  // bit-identical
  }
  // The steps train: three different batches and updates give three different losses.
  EXPECT_NE(bench_losses[0], bench_losses[1]);
  EXPECT_NE(bench_losses[1], bench_losses[2]);
}

INSTANTIATE_TEST_SUITE_P(Workloads, BenchWorkloadSteps, ::testing::ValuesIn(bench_workloads()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace nimbus::models
