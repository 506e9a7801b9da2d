// A whole training run on cuda:0 against the same run on the CPU: the digits MLP of
// examples/configs (dropout off: its CUDA kernel is not in yet), a few epochs, same seed. The two
// runs do not round alike (GEMM sums in another order), so the check is the outcome: validation
// accuracy within a few points of the CPU's and above what an untrained model reaches.
// Skipped without a CUDA device (and not built without the models library).
// The loss's mean reduction converts its i64 count to f32 on the device (kernels/nn_loss.cpp):
// that runs through the CUDA element copy the kernels register with the runtime.
#include <gtest/gtest.h>

#if NIMBUS_TEST_MODELS
#include <filesystem>
#include <sstream>
#include <unistd.h>

#include "gpu/parity_harness.h"
#include "models/runner/trainer.h"
#include "runtime/backend.h"

namespace nimbus::models {
namespace {

namespace fs = std::filesystem;

TrainSummary train_digits(const std::string& device) {
  const fs::path dir = fs::temp_directory_path() / ("nimbus_gpu_training_" + std::to_string(::getpid()) + "_" +
                                                    (device == "cpu" ? "cpu" : "cuda"));
  fs::remove_all(dir);
  RunConfig config = load_run_config(gpu_parity::examples_dir() + "/configs/digits_mlp.yaml",
                                     {"model.dropout=0", "training.epochs=5"});
  config.checkpoint.dir = dir.string();
  TrainOptions options;
  options.device = device;
  std::ostringstream log;
  options.log = &log;
  options.interactive = false;
  TrainSummary summary = Trainer(config, options).run();
  fs::remove_all(dir);
  return summary;
}

TEST(CudaTraining, DigitsMlpReachesTheCpuAccuracy) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: " << cuda_backend_status();
  const TrainSummary cpu = train_digits("cpu");
  const TrainSummary gpu = train_digits("cuda:0");
  EXPECT_EQ(gpu.steps, cpu.steps);
  EXPECT_NEAR(gpu.val.accuracy, cpu.val.accuracy, 0.03) << "cpu " << cpu.val.accuracy << ", cuda " << gpu.val.accuracy;
  EXPECT_GT(gpu.val.accuracy, 0.9);
}

}  // namespace
}  // namespace nimbus::models
#endif
