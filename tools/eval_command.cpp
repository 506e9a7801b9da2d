// `nimbus eval RUN_DIR [--split test|val|train] [--device D] [--json]`: loss and accuracy of a
// run's newest checkpoint on one split of its data.
#include <iostream>
#include <nlohmann/json.hpp>

#include "models/runner/trainer.h"
#include "runtime/error.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct EvalCommandOptions {
  std::string run_dir;
  std::string split = "test";
  std::string device;
  bool json = false;
};

}  // namespace

void add_eval_command(CLI::App& app) {
  static EvalCommandOptions options;
  auto* cmd = app.add_subcommand("eval", "Evaluate a trained run's newest checkpoint");
  cmd->add_option("run_dir", options.run_dir, "The run directory (checkpoint.dir of the run's config)")->required();
  cmd->add_option("--split", options.split, "test, val or train")->check(CLI::IsMember({"test", "val", "train"}));
  cmd->add_option("--device", options.device, "auto, cpu, cuda or cuda:N");
  cmd->add_flag("--json", options.json, "Print one JSON object");
  cmd->callback([] {
    models::LoadedRun run = models::load_run(options.run_dir, options.device);
    const data::Splits& s = run.data.splits;
    const auto& dataset = options.split == "train" ? s.train : options.split == "val" ? s.val : s.test;
    NIMBUS_CHECK_T(ConfigError, dataset != nullptr, "this run's data has no ", options.split, " split");
    const models::EvalResult r =
        models::evaluate_model(*run.model, *dataset, run.device, run.config.data.eval_batch_size);
    if (options.json) {
      nlohmann::ordered_json out{{"split", options.split}, {"loss", r.loss},         {"accuracy", r.accuracy},
                                 {"count", r.count},       {"step", run.step},      {"checkpoint", run.checkpoint}};
      std::cout << out.dump() << "\n";
    } else {
      std::cout << options.split << " (" << dataset->describe() << ") at step " << run.step << ": loss " << r.loss
                << ", accuracy " << r.accuracy << "\n";
    }
  });
}

}  // namespace nimbus::tools
