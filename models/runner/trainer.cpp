// Note [Exact resume]: a resumed run reproduces the losses of an uninterrupted one bit for bit
// (same seed, CPU) because everything that decides the next step is either a pure function of the
// config or saved in the checkpoint: the weights and buffers, the optimizer's moments and step
// count, the loader's (epoch, position) which fixes every later batch (Note [Loader state]), the
// dropout generator's call counter, the partial sum of the current log window, the fp16 loss
// scaler's scale and count of good steps (Note [Loss scaling]), and the learning rate, a function
// of the step. The kernels are deterministic (fixed-order reductions), so the
// same inputs give the same bits. metrics.jsonl is cut back to the checkpoint's step on resume.
#include "models/runner/trainer.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "frontend/autograd/functions.h"
#include "frontend/autograd/variable.h"
#include "runtime/atomic_file.h"
#include "models/runner/checkpoint.h"
#include "models/runner/fault_injection.h"
#include "models/runner/metrics_log.h"
#include "models/runner/objective.h"
#include "models/runner/progress.h"
#include "runtime/error.h"

namespace nimbus::models {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Independent generator seeds for initialization, dropout and the loader's order.
uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);  // splitmix64
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
constexpr uint64_t kInitStream = 1, kDropoutStream = 2, kLoaderStream = 3;

Device resolve_device(const std::string& configured, const std::string& override_name) {
  return Device::parse(override_name.empty() ? configured : override_name);
}

// Fills in what the model takes from the data, then builds it.
std::shared_ptr<nn::Module> build_run_model(RunConfig& config, const RunData& data, Generator& init,
                                            Generator& dropout) {
  const data::Dataset& train = *data.splits.train;
  config.model.input_shape = train.input_shape();
  config.model.classes = train.num_classes();
  return build_model(config.model, init, dropout);
}

std::unique_ptr<optim::Optimizer> build_optimizer(const OptimizerConfig& c, std::vector<autograd::Variable> params) {
  if (c.name == "sgd") {
    optim::SgdOptions o;
    o.lr = c.lr;
    o.momentum = c.momentum;
    o.nesterov = c.nesterov;
    o.weight_decay = c.weight_decay;
    return std::make_unique<optim::SGD>(std::move(params), o);
  }
  optim::AdamOptions o;
  o.lr = c.lr;
  o.beta1 = c.beta1;
  o.beta2 = c.beta2;
  o.eps = c.eps;
  o.weight_decay = c.weight_decay;
  o.decoupled_weight_decay = c.name == "adamw";
  return std::make_unique<optim::Adam>(std::move(params), o);
}

// SIGINT/SIGTERM ask the training loop to save a checkpoint and stop.
std::atomic<bool> g_stop_requested{false};
extern "C" void request_stop(int) { g_stop_requested = true; }

class StopSignals {
 public:
  StopSignals() {
    g_stop_requested = false;
    previous_int_ = std::signal(SIGINT, request_stop);
    previous_term_ = std::signal(SIGTERM, request_stop);
  }
  ~StopSignals() {
    std::signal(SIGINT, previous_int_);
    std::signal(SIGTERM, previous_term_);
  }

 private:
  void (*previous_int_)(int);
  void (*previous_term_)(int);
};

std::string fixed4(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", v);
  return text;
}

}  // namespace

EvalResult evaluate_model(nn::Module& model, const data::Dataset& dataset, Device device, int64_t batch_size,
                          int64_t max_batches) {
  const int64_t n = dataset.size();
  int64_t count = n;
  if (max_batches > 0) count = std::min(n, max_batches * batch_size);
  // With a limit, the examples are spread evenly over the dataset rather than taken from its start
  // (neighbouring windows of a text overlap almost entirely).
  std::vector<int64_t> indices(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) indices[k] = count == n ? k : k * n / count;

  const bool was_training = model.is_training();
  model.eval();
  autograd::NoGradGuard no_grad;
  double loss_sum = 0;
  int64_t correct = 0, total = 0;
  for (int64_t start = 0; start < count; start += batch_size) {
    const int64_t end = std::min(count, start + batch_size);
    const data::Batch batch =
        dataset.gather(std::span<const int64_t>(indices.data() + start, static_cast<size_t>(end - start)));
    const Tensor targets = batch.targets.to(device);
    const autograd::Variable logits = model(autograd::Variable(batch.inputs.to(device)));
    const double loss = objective_loss(logits, targets).data().item<double>();
    const Correct c = count_correct(logits.data(), targets);
    loss_sum += loss * static_cast<double>(c.total);
    correct += c.correct;
    total += c.total;
  }
  model.train(was_training);
  EvalResult r;
  r.count = total;
  if (total > 0) {
    r.loss = loss_sum / static_cast<double>(total);
    r.accuracy = static_cast<double>(correct) / static_cast<double>(total);
  }
  return r;
}

Trainer::Trainer(RunConfig config, TrainOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      device_(resolve_device(config_.device, options_.device)),
      data_(load_run_data(config_.data, config_.seed)),
      init_gen_(derive_seed(config_.seed, kInitStream)),
      dropout_gen_(derive_seed(config_.seed, kDropoutStream)),
      precision_(parse_precision(config_.precision)) {
  if (precision_ == Precision::fp16) scaler_.emplace(options_.initial_loss_scale, options_.loss_scale_growth_interval);
  model_ = build_run_model(config_, data_, init_gen_, dropout_gen_);
  model_->to(device_);
  fall_back_to_cpu_if_unsupported();
  model_->train();
  optimizer_ = build_optimizer(config_.optimizer, model_->parameters());

  data::LoaderOptions lo;
  lo.batch_size = config_.data.batch_size;
  lo.shuffle = config_.data.shuffle;
  lo.drop_last = true;  // equal batches: every step weighs the same
  lo.seed = derive_seed(config_.seed, kLoaderStream);
  lo.pin_memory = !device_.is_cpu();
  loader_ = std::make_unique<data::DataLoader>(data_.splits.train, lo);
  total_steps_ = config_.training.steps > 0 ? config_.training.steps
                                            : config_.training.epochs * loader_->batches_per_epoch();

  schedule_.kind = optim::parse_schedule_kind(config_.schedule.kind);
  schedule_.base_lr = config_.optimizer.lr;
  schedule_.warmup_steps = config_.schedule.warmup_steps;
  schedule_.step_size = config_.schedule.step_size;
  schedule_.gamma = config_.schedule.gamma;
  schedule_.min_lr = config_.schedule.min_lr;
  schedule_.total_steps = std::max<int64_t>(total_steps_, config_.schedule.warmup_steps + 1);
  schedule_.validate();
}

Trainer::~Trainer() = default;

void Trainer::fall_back_to_cpu_if_unsupported() {
  const bool automatic = (options_.device.empty() ? config_.device : options_.device) == "auto";
  if (device_.is_cpu() || !automatic) return;
  // Until every op has a CUDA kernel, a model may meet one that has none; with device auto the
  // run moves to the CPU instead of failing. An explicit device is never changed behind the
  // user's back.
  // Evaluation mode: the probe must not move batch-norm statistics or draw dropout masks.
  model_->eval();
  try {
    const int64_t n = std::min<int64_t>(2, data_.splits.train->size());
    std::vector<int64_t> first(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) first[i] = i;
    const data::Batch probe = data_.splits.train->gather(first);
    // In the run's precision, so that a missing 16-bit kernel is found too.
    const autograd::Variable loss = forward_loss(probe.inputs.to(device_), probe.targets.to(device_));
    loss.backward();
    model_->zero_grad();
  } catch (const DeviceError& e) {
    log() << "note: " << e.what() << "; training on the cpu instead\n";
    device_ = Device::cpu();
    model_->to(device_);
  }
}

std::ostream& Trainer::log() const { return options_.log != nullptr ? *options_.log : std::cerr; }

data::Batch Trainer::next_batch() { return loader_->next(); }

autograd::Variable Trainer::forward_loss(const Tensor& inputs, const Tensor& targets) {
  if (precision_ == Precision::fp32) return objective_loss((*model_)(autograd::Variable(inputs)), targets);
  const DType dtype = compute_dtype(precision_);
  const LowPrecisionParameters low(*model_, dtype);
  const autograd::Variable logits = (*model_)(autograd::Variable(cast_inputs(inputs, dtype)));
  // The loss in f32, as torch.autocast computes softmax and cross-entropy.
  return objective_loss(autograd::to(logits, DType::f32), targets);
}

double Trainer::train_step(const data::Batch& batch) {
  // Batches are never written after they are made, so their copies to a GPU need not be waited
  // for: from pinned memory (the loader's, on a GPU) they are only queued, ahead of the forward
  // pass on the same stream; from ordinary memory copy_ waits anyway.
  const Tensor inputs = batch.inputs.to(device_, /*non_blocking=*/true);
  const Tensor targets = batch.targets.to(device_, /*non_blocking=*/true);
  optimizer_->zero_grad();
  const autograd::Variable loss = forward_loss(inputs, targets);
  // fp16: the backward starts from the loss times the scale (the seed), which lifts small
  // gradients out of f16's underflow range; apply_gradients divides it out again.
  if (scaler_) loss.backward(full({}, scaler_->scale(), {loss.dtype(), loss.device()}));
  else loss.backward();
  if (!apply_gradients(*optimizer_, config_.optimizer.grad_clip, scaler_ ? &*scaler_ : nullptr)) ++skipped_steps_;
  return loss.data().item<double>();
}

EvalResult Trainer::evaluate(const data::Dataset& dataset, int64_t max_batches) {
  return evaluate_model(*model_, dataset, device_, config_.data.eval_batch_size, max_batches);
}

TrainSummary Trainer::run() {
  const auto started = std::chrono::steady_clock::now();
  const std::string run_dir = config_.checkpoint.dir;
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  NIMBUS_CHECK_T(IOError, !ec, "cannot create the run directory '", run_dir, "': ", ec.message());
  const CheckpointStore store(run_dir);
  const std::string model_yaml = model_to_yaml(config_.model);

  TrainingState state;
  const std::optional<std::string> latest = store.latest();
  NIMBUS_CHECK_T(ConfigError, !latest || options_.resume, "the run directory '", run_dir,
                 "' already has checkpoints (newest: ", latest.value_or(""),
                 "); pass --resume to continue that run, or choose another checkpoint.dir");
  bool resumed = false;
  if (options_.resume) {
    store.remove_stale_temporaries();
    if (latest) {
      state = store.load(*latest, *model_, optimizer_.get(), model_yaml);
      NIMBUS_CHECK_T(ConfigError, state.step <= total_steps_, "checkpoint '", *latest, "' is at step ", state.step,
                     ", beyond this config's ", total_steps_, " steps");
      // A checkpoint of a run without a scaler (another precision) leaves the initial scale.
      if (scaler_ && state.loss_scaler.scale > 0) scaler_->set_state(state.loss_scaler);
      skipped_steps_ = state.skipped_steps;
      loader_->restore(state.loader);
      dropout_gen_.set_state(dropout_gen_.seed(), state.dropout_calls);
      resumed = true;
      log() << "resuming from " << *latest << " (step " << state.step << ")\n";
    } else {
      log() << "no checkpoint in " << run_dir << " yet: starting from step 0\n";
    }
  }
  io::write_file_atomically((fs::path(run_dir) / "config.yaml").string(), to_yaml(config_));
  MetricsLog metrics((fs::path(run_dir) / "metrics.jsonl").string(), resumed ? state.step : -1);

  log() << "training " << config_.model.kind << " (" << model_->parameters().size() << " tensors) on "
        << data_.splits.train->describe() << ", " << total_steps_ << " steps on " << device_;
  if (precision_ != Precision::fp32) log() << " in " << config_.precision << " mixed precision";
  log() << "\n";
  const bool interactive = options_.interactive.value_or(stderr_is_terminal());
  Progress progress(log(), total_steps_, state.step, interactive);
  const StopSignals signals;

  TrainSummary summary;
  summary.train_loss = state.window_steps > 0 ? state.window_loss_sum / static_cast<double>(state.window_steps) : 0;
  int64_t last_saved = resumed ? state.step : -1;
  auto save = [&] {
    state.loader = loader_->state();
    state.dropout_calls = dropout_gen_.calls();
    if (scaler_) state.loss_scaler = scaler_->state();
    state.skipped_steps = skipped_steps_;
    summary.checkpoint = store.save(state, *model_, *optimizer_, model_yaml, config_.checkpoint.keep);
    last_saved = state.step;
  };
  auto evaluate_split = [&](const char* split, const data::Dataset& dataset, int64_t max_batches) {
    const EvalResult r = evaluate(dataset, max_batches);
    metrics.append(Json{{"step", state.step}, {"split", split}, {"loss", r.loss}, {"accuracy", r.accuracy}}.dump());
    progress.note(std::string(split) + " at step " + std::to_string(state.step) + ": loss " + fixed4(r.loss) +
                  ", accuracy " + fixed4(r.accuracy));
    return r;
  };

  // fp16: the loss scale and the skipped steps, for the progress lines.
  auto scaler_note = [&] {
    std::string note;
    if (!scaler_) return note;
    char scale[32];
    std::snprintf(scale, sizeof scale, "%g", scaler_->scale());
    note.append("loss scale ").append(scale);
    note.append(", ").append(std::to_string(skipped_steps_)).append(" skipped");
    return note;
  };
  while (state.step < total_steps_ && !g_stop_requested) {
    const double lr = schedule_.lr_at(state.step);
    optimizer_->set_lr(lr);
    const double loss = train_step(loader_->next());
    if (!std::isfinite(loss)) {
      std::string hint = "lower optimizer.lr or set optimizer.grad_clip";
      if (precision_ == Precision::fp16) hint.append("; fp16 activations overflow above 65504, try precision bf16");
      if (last_saved >= 0) hint.append("; the last checkpoint is at step ").append(std::to_string(last_saved));
      NIMBUS_THROW(Error, "training diverged: the loss is ", loss, " at step ", state.step + 1, " (lr ", lr, "); ",
                   hint);
    }
    ++state.step;
    if (fault_requested(FaultPoint::after_step, state.step)) kill_self();
    state.window_loss_sum += loss;
    ++state.window_steps;
    progress.step(state.step, loss, lr, scaler_note());
    if (state.step % config_.training.log_every == 0 || state.step == total_steps_) {
      summary.train_loss = state.window_loss_sum / static_cast<double>(state.window_steps);
      Json line{{"step", state.step},
                {"split", "train"},
                {"epoch", loader_->state().epoch},
                {"loss", summary.train_loss},
                {"lr", lr}};
      if (scaler_) {
        line["loss_scale"] = scaler_->scale();
        line["skipped_steps"] = skipped_steps_;  // since the start of the run
      }
      line["steps_per_s"] = progress.steps_per_second();
      metrics.append(line.dump());
      progress.log(state.step, summary.train_loss, lr, scaler_note());
      state.window_loss_sum = 0;
      state.window_steps = 0;
    }
    if (config_.training.eval_every > 0 && state.step % config_.training.eval_every == 0 && state.step < total_steps_)
      evaluate_split("val", *data_.splits.val, config_.training.eval_batches);
    if (config_.checkpoint.every > 0 && state.step % config_.checkpoint.every == 0) save();
  }
  progress.finish();
  summary.interrupted = g_stop_requested && state.step < total_steps_;
  if (last_saved != state.step) save();
  else if (summary.checkpoint.empty()) summary.checkpoint = *latest;  // resumed at the last step
  summary.steps = state.step;
  summary.skipped_steps = skipped_steps_;
  if (summary.interrupted) {
    log() << "stopped at step " << state.step << "; checkpoint " << summary.checkpoint
          << " saved; continue with --resume\n";
  } else {
    summary.val = evaluate_split("val", *data_.splits.val, config_.training.eval_batches);
    if (data_.splits.test) summary.test = evaluate_split("test", *data_.splits.test, config_.training.eval_batches);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

LoadedRun load_run(const std::string& run_dir, const std::string& device) {
  const fs::path config_path = fs::path(run_dir) / "config.yaml";
  NIMBUS_CHECK_T(IOError, fs::is_regular_file(config_path), "'", run_dir,
                 "' is not a run directory: it has no config.yaml (written by nimbus train)");
  LoadedRun run;
  run.config = load_run_config(config_path.string());
  run.device = resolve_device(run.config.device, device);
  run.data = load_run_data(run.config.data, run.config.seed);
  Generator init(derive_seed(run.config.seed, kInitStream));
  // Dropout layers keep a reference to their generator, so it lives as long as the run.
  run.dropout = std::make_shared<Generator>(derive_seed(run.config.seed, kDropoutStream));
  run.model = build_run_model(run.config, run.data, init, *run.dropout);
  const CheckpointStore store(run_dir);
  const std::optional<std::string> latest = store.latest();
  NIMBUS_CHECK_T(IOError, latest.has_value(), "the run directory '", run_dir, "' has no checkpoint yet");
  run.checkpoint = *latest;
  run.step = store.load(*latest, *run.model, nullptr, model_to_yaml(run.config.model)).step;
  run.model->to(run.device);
  run.model->eval();
  return run;
}

}  // namespace nimbus::models
