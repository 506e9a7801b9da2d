// CheckpointStore and MetricsLog: what a crash leaves behind must never be mistaken for a good
// checkpoint, and a resumed metrics file must read as if the run had never stopped.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "frontend/nn/layers.h"
#include "frontend/optim/optimizer.h"
#include "models/runner/checkpoint.h"
#include "models/runner/metrics_log.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace nimbus::models {
namespace {

namespace fs = std::filesystem;

class RunnerFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nimbus_runner_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

// Bit-identical contents (same shape, every element equal).
bool same(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && sum(eq(a, b).to(DType::i64)).item<int64_t>() == a.numel();
}

struct TinyRun {
  Generator gen{7};
  nn::Linear model{3, 2, gen};
  optim::Adam optimizer{model.parameters(), optim::AdamOptions{}};
};

TEST_F(RunnerFiles, CheckpointRoundTripsModelOptimizerAndState) {
  TinyRun a;
  // One real step so the optimizer has moments to save.
  for (auto& p : a.model.parameters()) p.set_grad(ones_like(p.data()));
  a.optimizer.step();
  const CheckpointStore store(dir_.string());
  TrainingState state;
  state.step = 12;
  state.loader = {3, 5};
  state.dropout_calls = 41;
  state.window_loss_sum = 0.1 + 0.2;  // a sum that only round-trips with full precision
  state.window_steps = 2;
  const std::string path = store.save(state, a.model, a.optimizer, "kind: tiny\n", 2);
  EXPECT_EQ(store.latest(), path);

  TinyRun b;  // other weights (other generator state is irrelevant: everything is overwritten)
  b.model.parameters()[0].data().fill_(0.0);
  const TrainingState loaded = store.load(path, b.model, &b.optimizer, "kind: tiny\n");
  EXPECT_EQ(loaded.step, 12);
  EXPECT_EQ(loaded.loader.epoch, 3);
  EXPECT_EQ(loaded.loader.position, 5);
  EXPECT_EQ(loaded.dropout_calls, 41u);
  EXPECT_EQ(loaded.window_loss_sum, 0.1 + 0.2);
  EXPECT_EQ(loaded.window_steps, 2);
  EXPECT_EQ(b.optimizer.steps(), 1);
  for (size_t i = 0; i < a.model.parameters().size(); ++i)
    EXPECT_TRUE(same(a.model.parameters()[i].data(), b.model.parameters()[i].data()));
  const auto sa = a.optimizer.state_dict(), sb = b.optimizer.state_dict();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) EXPECT_TRUE(same(sa[i].second, sb[i].second)) << sa[i].first;
}

TEST_F(RunnerFiles, AnotherModelIsRefusedWithBothDescriptions) {
  TinyRun a;
  const CheckpointStore store(dir_.string());
  const std::string path = store.save({}, a.model, a.optimizer, "kind: mlp\nhidden: [8]\n", 1);
  try {
    store.load(path, a.model, nullptr, "kind: mlp\nhidden: [16]\n");
    FAIL() << "a checkpoint of another model loaded";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("holds a different model"), std::string::npos) << m;
    EXPECT_NE(m.find("hidden: [8]"), std::string::npos) << m;
    EXPECT_NE(m.find("hidden: [16]"), std::string::npos) << m;
  }
}

TEST_F(RunnerFiles, KeepsTheNewestAndFallsBackWhenLatestIsUnusable) {
  TinyRun a;
  const CheckpointStore store(dir_.string());
  for (int64_t step : {10, 20, 30}) {
    TrainingState s;
    s.step = step;
    store.save(s, a.model, a.optimizer, "m\n", 2);
  }
  const fs::path folder = store.folder();
  EXPECT_FALSE(fs::exists(folder / "step-00000010.safetensors"));  // keep: 2
  EXPECT_TRUE(fs::exists(folder / "step-00000020.safetensors"));
  EXPECT_EQ(store.latest(), (folder / "step-00000030.safetensors").string());

  // A torn newest checkpoint (say, copied in by hand) and a garbled latest.json: the newest
  // checkpoint whose header reads wins.
  std::ofstream(folder / "step-00000040.safetensors") << "\x10\x00\x00";
  std::ofstream(folder / "latest.json") << "{\"file\": ";
  EXPECT_EQ(store.latest(), (folder / "step-00000030.safetensors").string());
  // latest.json naming a file that is gone.
  std::ofstream(folder / "latest.json") << R"({"step": 50, "file": "step-00000050.safetensors"})";
  EXPECT_EQ(store.latest(), (folder / "step-00000030.safetensors").string());
}

TEST_F(RunnerFiles, StaleTemporariesAreRemovedAndOthersKept) {
  TinyRun a;
  const CheckpointStore store(dir_.string());
  store.save({}, a.model, a.optimizer, "m\n", 1);
  const fs::path folder = store.folder();
  std::ofstream(folder / ".step-00000100.safetensors.tmp-123-0") << "half";
  std::ofstream(folder / "notes.txt") << "mine";
  store.remove_stale_temporaries();
  EXPECT_FALSE(fs::exists(folder / ".step-00000100.safetensors.tmp-123-0"));
  EXPECT_TRUE(fs::exists(folder / "notes.txt"));
  EXPECT_TRUE(fs::exists(folder / "step-00000000.safetensors"));
}

TEST_F(RunnerFiles, NoCheckpointsMeansNoLatest) {
  EXPECT_FALSE(CheckpointStore(dir_.string()).latest().has_value());
}

TEST_F(RunnerFiles, ResumedMetricsDropLinesAfterTheCheckpointAndATornLine) {
  const std::string path = (dir_ / "metrics.jsonl").string();
  std::ofstream(path) << "{\"step\":10,\"loss\":1}\n{\"step\":20,\"loss\":2}\n{\"step\":30,\"loss\":3}\n{\"step\":4";
  {
    MetricsLog log(path, 20);
    log.append("{\"step\":30,\"loss\":3.5}");
  }
  EXPECT_EQ(read(path), "{\"step\":10,\"loss\":1}\n{\"step\":20,\"loss\":2}\n{\"step\":30,\"loss\":3.5}\n");
  {
    MetricsLog fresh(path, -1);  // a new run starts an empty file
  }
  EXPECT_EQ(read(path), "");
}

}  // namespace
}  // namespace nimbus::models
