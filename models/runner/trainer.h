#pragma once
// The trainer behind `nimbus train`: builds the data, model, optimizer and schedule a run config
// describes, trains with progress on stderr, evaluates, writes metrics.jsonl and checkpoints into
// the run directory, and resumes exactly (Note [Exact resume] in trainer.cpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "frontend/optim/optimizer.h"
#include "frontend/optim/schedule.h"
#include "models/config/run_config.h"
#include "models/data/loader.h"
#include "models/runner/loss_scaler.h"
#include "models/runner/mixed_precision.h"
#include "models/runner/run_data.h"

namespace nimbus::models {

struct TrainOptions {
  bool resume = false;        // continue from the run directory's newest checkpoint
  std::string device;         // overrides the config's device when not empty
  std::ostream* log = nullptr;  // progress and notes (default std::cerr)
  std::optional<bool> interactive;  // a redrawn progress bar; default: when stderr is a terminal
  // precision fp16: the loss scaler's start and growth interval (Note [Loss scaling]). Runs keep
  // the defaults; tests start high and grow often to see overflows and skipped steps.
  double initial_loss_scale = LossScaler::kInitialScale;
  int64_t loss_scale_growth_interval = LossScaler::kGrowthInterval;
};

struct EvalResult {
  double loss = 0;
  double accuracy = 0;  // per example for classifiers, per token for language models
  int64_t count = 0;    // examples (classifier) or tokens (language model) evaluated
};

struct TrainSummary {
  int64_t steps = 0;
  double train_loss = 0;  // mean over the last log window
  EvalResult val;
  std::optional<EvalResult> test;
  std::string checkpoint;  // the final checkpoint's path
  bool interrupted = false;  // stopped by SIGINT/SIGTERM after saving a checkpoint
  int64_t skipped_steps = 0;  // fp16: steps whose update was skipped for a gradient overflow
  double seconds = 0;
};

class NIMBUS_API Trainer {
 public:
  explicit Trainer(RunConfig config, TrainOptions options = {});
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains to the configured number of steps (from the checkpoint with options.resume).
  TrainSummary run();

  // One step on `batch` at the optimizer's current rate: zero grad, forward, loss, backward,
  // gradient clipping, update, in the configured precision (Note [Mixed precision]; with fp16 the
  // update is skipped when a gradient overflowed, Note [Loss scaling]). Returns the loss.
  // `nimbus bench train` times exactly this.
  double train_step(const data::Batch& batch);
  // The next training batch from the seeded loader.
  data::Batch next_batch();
  // Mean loss and accuracy over `dataset` (at most `max_batches` evenly spread batches; 0: all),
  // in evaluation mode.
  EvalResult evaluate(const data::Dataset& dataset, int64_t max_batches = 0);

  nn::Module& model() { return *model_; }
  const RunConfig& config() const { return config_; }
  const RunData& run_data() const { return data_; }
  Device device() const { return device_; }
  int64_t total_steps() const { return total_steps_; }
  Precision precision() const { return precision_; }
  // The fp16 loss scaler; null with fp32 and bf16.
  const LossScaler* loss_scaler() const { return scaler_ ? &*scaler_ : nullptr; }
  // Steps whose update was skipped (fp16 only), including those before a resume.
  int64_t skipped_steps() const { return skipped_steps_; }

 private:
  std::ostream& log() const;
  // With device auto on a GPU: one forward and backward pass as a probe (see trainer.cpp).
  void fall_back_to_cpu_if_unsupported();
  // The batch's loss (f32) through the model in the configured precision, on the tape.
  autograd::Variable forward_loss(const Tensor& inputs, const Tensor& targets);

  RunConfig config_;
  TrainOptions options_;
  Device device_;
  RunData data_;
  Generator init_gen_, dropout_gen_;
  std::shared_ptr<nn::Module> model_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  optim::LrSchedule schedule_;
  std::unique_ptr<data::DataLoader> loader_;
  int64_t total_steps_ = 0;
  Precision precision_ = Precision::fp32;
  std::optional<LossScaler> scaler_;  // fp16 only
  int64_t skipped_steps_ = 0;
};

// A trained model from a run directory (its config.yaml and newest checkpoint), for `nimbus eval`
// and `nimbus predict`.
struct LoadedRun {
  RunConfig config;
  RunData data;
  std::shared_ptr<Generator> dropout;  // declared before the model, which refers to it
  std::shared_ptr<nn::Module> model;
  Device device;
  std::string checkpoint;
  int64_t step = 0;
};
NIMBUS_API LoadedRun load_run(const std::string& run_dir, const std::string& device = "");

// Evaluates `model` on `dataset` like Trainer::evaluate.
NIMBUS_API EvalResult evaluate_model(nn::Module& model, const data::Dataset& dataset, Device device,
                                     int64_t batch_size, int64_t max_batches = 0);

}  // namespace nimbus::models
