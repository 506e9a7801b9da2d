// `nimbus predict RUN_DIR --input FILE.csv [--output logits|probs|class] [--format csv|json]`:
// predictions of a run's newest checkpoint for the examples in a CSV file
// (models/runner/predict_inputs.h), one output row per input row, on stdout.
#include <iostream>
#include <nlohmann/json.hpp>

#include "frontend/autograd/variable.h"
#include "kernels/nn_ops.h"
#include "kernels/ops.h"
#include "models/runner/predict_inputs.h"
#include "models/runner/trainer.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct PredictCommandOptions {
  std::string run_dir, input, output = "class", format = "csv", device;
  int64_t batch_size = 256;
};

void print(const Tensor& values, const std::string& format) {
  const Tensor host = values.to(Device::cpu()).contiguous();
  const int64_t rows = host.size(0), cols = host.dim() == 2 ? host.size(1) : 1;
  if (format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (int64_t r = 0; r < rows; ++r) {
      if (host.dim() == 1) {
        out.push_back(host.select(0, r).item<int64_t>());
        continue;
      }
      nlohmann::json row = nlohmann::json::array();
      for (int64_t c = 0; c < cols; ++c) row.push_back(host.select(0, r).select(0, c).item<double>());
      out.push_back(row);
    }
    std::cout << out.dump() << "\n";
    return;
  }
  for (int64_t r = 0; r < rows; ++r) {
    if (host.dim() == 1) {
      std::cout << host.select(0, r).item<int64_t>() << "\n";
      continue;
    }
    for (int64_t c = 0; c < cols; ++c) std::cout << (c ? "," : "") << host.select(0, r).select(0, c).item<float>();
    std::cout << "\n";
  }
}

}  // namespace

void add_predict_command(CLI::App& app) {
  static PredictCommandOptions options;
  auto* cmd = app.add_subcommand("predict", "Predict with a trained run's newest checkpoint");
  cmd->add_option("run_dir", options.run_dir, "The run directory (checkpoint.dir of the run's config)")->required();
  cmd->add_option("--input", options.input, "CSV file of examples, one per line")->required();
  cmd->add_option("--output", options.output, "logits, probs or class")
      ->check(CLI::IsMember({"logits", "probs", "class"}));
  cmd->add_option("--format", options.format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--device", options.device, "auto, cpu, cuda or cuda:N");
  cmd->callback([] {
    models::LoadedRun run = models::load_run(options.run_dir, options.device);
    const Tensor inputs = models::read_prediction_inputs(options.input, run.config.data, run.config.model.input_shape);
    autograd::NoGradGuard no_grad;
    std::vector<Tensor> outputs;
    for (int64_t start = 0; start < inputs.size(0); start += options.batch_size) {
      const int64_t end = std::min(inputs.size(0), start + options.batch_size);
      const Tensor logits = (*run.model)(autograd::Variable(inputs.slice(0, start, end).to(run.device))).data();
      if (options.output == "logits") outputs.push_back(logits);
      else if (options.output == "probs") outputs.push_back(softmax(logits, 1));
      else outputs.push_back(argmax(logits, 1));
    }
    print(cat(outputs, 0), options.format);
  });
}

}  // namespace nimbus::tools
