// `nimbus train CONFIG.yaml [--set key=value ...] [--device auto|cpu|cuda] [--resume] [--json]`:
// trains what the config describes (models/config/run_config.h) into its run directory.
// Progress and notes go to stderr; the result to stdout (with --json, one JSON object on the last
// line). Exit codes: 0 done, 1 an error (nothing trained or the run stopped), 130 stopped by a
// signal after saving a checkpoint.
#include <iostream>
#include <nlohmann/json.hpp>

#include "models/runner/trainer.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct TrainCommandOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string device;
  bool resume = false;
  bool json = false;
};

nlohmann::ordered_json summary_json(const models::TrainSummary& s, const models::Trainer& trainer) {
  nlohmann::ordered_json out;
  out["steps"] = s.steps;
  out["train_loss"] = s.train_loss;
  out["val_loss"] = s.val.loss;
  out["val_accuracy"] = s.val.accuracy;
  if (s.test) {
    out["test_loss"] = s.test->loss;
    out["test_accuracy"] = s.test->accuracy;
  }
  out["checkpoint"] = s.checkpoint;
  out["run_dir"] = trainer.config().checkpoint.dir;
  out["device"] = trainer.device().str();
  out["precision"] = trainer.config().precision;
  if (trainer.config().precision == "fp16") out["skipped_steps"] = s.skipped_steps;
  out["seconds"] = s.seconds;
  out["interrupted"] = s.interrupted;
  return out;
}

}  // namespace

void add_train_command(CLI::App& app) {
  static TrainCommandOptions options;
  auto* cmd = app.add_subcommand("train", "Train the model a YAML run config describes");
  cmd->add_option("config", options.config, "The run config (.yaml)")->required();
  cmd->add_option("--set", options.overrides, "Override a config key, e.g. --set optimizer.lr=0.01 (repeatable)");
  cmd->add_option("--device", options.device, "auto, cpu, cuda or cuda:N (overrides the config's device)");
  cmd->add_flag("--resume", options.resume, "Continue from the newest checkpoint in the run directory");
  cmd->add_flag("--json", options.json, "End with one JSON object with the results on stdout");
  cmd->callback([] {
    models::TrainOptions train_options;
    train_options.resume = options.resume;
    train_options.device = options.device;
    models::Trainer trainer(models::load_run_config(options.config, options.overrides), train_options);
    const models::TrainSummary summary = trainer.run();
    if (options.json) {
      std::cout << summary_json(summary, trainer).dump() << "\n";
    } else if (!summary.interrupted) {
      std::cout << "trained " << summary.steps << " steps in " << summary.seconds << " s: train loss "
                << summary.train_loss << ", val loss " << summary.val.loss << ", val accuracy " << summary.val.accuracy;
      if (summary.test) std::cout << ", test accuracy " << summary.test->accuracy;
      std::cout << "\ncheckpoint: " << summary.checkpoint << "\n";
    }
    if (summary.interrupted) throw CLI::RuntimeError(130);
  });
}

}  // namespace nimbus::tools
