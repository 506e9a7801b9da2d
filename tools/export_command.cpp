// `nimbus export RUN_DIR DIR/<model>/<version> [--force] [--instances N]`: writes what `nimbus serve` needs from a
// training run's newest checkpoint (Note [Exported model] in serve/model_export.h).
#include <iostream>

#include "serve/model_export.h"
#include "serve/model_metadata.h"
#include "tools/commands.h"

namespace nimbus::tools {

void add_export_command(CLI::App& app) {
  struct Options {
    std::string run_dir, destination;
    serve::ExportOptions export_options;
  };
  static Options options;
  auto* cmd = app.add_subcommand("export", "Export a trained run as a served model version (DIR/<model>/<version>)");
  cmd->add_option("run_dir", options.run_dir, "The run directory (checkpoint.dir of the run's config)")->required();
  cmd->add_option("destination", options.destination, "The version folder: DIR/<model>/<version>, e.g. models/digits/1")
      ->required();
  cmd->add_flag("--force", options.export_options.force, "Replace the version folder when it exists");
  cmd->add_option("--instances", options.export_options.instances,
                  "Instances nimbus serve runs this version with, whatever its --instances (metadata.json)")
      ->check(CLI::Range(1, serve::kMaxInstances));
  cmd->callback([] {
    serve::export_run(options.run_dir, options.destination, options.export_options);
    std::cerr << "exported " << options.run_dir << " to " << options.destination << "\n";
  });
}

}  // namespace nimbus::tools
