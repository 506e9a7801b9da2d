// `nimbus predict RUN_DIR --input FILE.csv [--output logits|probs|class] [--format csv|json]`:
// predictions of a run's newest checkpoint for the examples in a CSV file
// (models/runner/predict_inputs.h), one output row per input row, on stdout.
// For a language model: `nimbus predict RUN_DIR --prompt TEXT [--tokens N] [--temperature T]
// [--seed S]` writes the prompt and its continuation; with --output logits|probs|class it writes
// instead the next character's values after the prompt (its last context characters), one row, as
// a served gpt answers for the same ids (Note [Token model] in serve/model_metadata.h).
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>

#include "frontend/autograd/variable.h"
#include "kernels/nn_ops.h"
#include "kernels/ops.h"
#include "models/runner/predict_inputs.h"
#include "models/runner/sampler.h"
#include "models/runner/trainer.h"
#include "runtime/error.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct PredictCommandOptions {
  std::string run_dir, input, output = "class", format = "csv", device;
  int64_t batch_size = 256;
  std::optional<std::string> prompt;
  bool output_given = false;  // --output on the command line: with --prompt, no sampling
  models::SampleOptions sample;
};

// Classes ([N] integers) or per-class values ([N, C]), one row per example. The values are read
// out once, not element by element through tensor views.
void print(const Tensor& values, const std::string& format) {
  const int64_t rows = values.size(0), cols = values.dim() == 2 ? values.size(1) : 1;
  if (values.dim() == 1) {
    const std::vector<int64_t> classes = values.to_vector<int64_t>();
    if (format == "json") std::cout << nlohmann::json(classes).dump() << "\n";
    else
      for (const int64_t c : classes) std::cout << c << "\n";
    return;
  }
  if (format == "json") {
    const std::vector<double> flat = values.to_vector<double>();
    nlohmann::json out = nlohmann::json::array();
    for (int64_t r = 0; r < rows; ++r) out.push_back(std::vector<double>(flat.begin() + r * cols, flat.begin() + (r + 1) * cols));
    std::cout << out.dump() << "\n";
    return;
  }
  const std::vector<float> flat = values.to_vector<float>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) std::cout << (c ? "," : "") << flat[static_cast<size_t>(r * cols + c)];
    std::cout << "\n";
  }
}

void generate_text(models::LoadedRun& run, const PredictCommandOptions& options) {
  NIMBUS_CHECK_T(ConfigError, run.data.vocabulary.has_value(),
                 "predict: --prompt needs a run trained on text (data.dataset: text); this one uses ",
                 run.config.data.dataset);
  std::cout << models::sample_text(*run.model, *run.data.vocabulary, run.config.model.context, *options.prompt,
                                   options.sample, run.device)
            << "\n";
}

// The next character's logits, probabilities or id after the prompt: the model's last position.
void predict_next_token(models::LoadedRun& run, const PredictCommandOptions& options) {
  std::vector<int64_t> ids = run.data.vocabulary->encode(*options.prompt);  // names unknown characters
  NIMBUS_CHECK_T(ConfigError, !ids.empty(), "predict: --output with --prompt needs at least one character of prompt");
  const int64_t context = run.config.model.context;
  if (static_cast<int64_t>(ids.size()) > context) ids.erase(ids.begin(), ids.end() - context);
  const auto length = static_cast<int64_t>(ids.size());
  autograd::NoGradGuard no_grad;
  const Tensor logits = (*run.model)(autograd::Variable(from_vector(ids, {1, length}).to(run.device))).data();
  const Tensor last = logits.select(1, length - 1).contiguous();  // [1, vocab]
  if (options.output == "logits") print(last, options.format);
  else if (options.output == "probs") print(softmax(last, 1), options.format);
  else print(argmax(last, 1), options.format);
}

void predict_rows(models::LoadedRun& run, const PredictCommandOptions& options) {
  NIMBUS_CHECK_T(ConfigError, !options.input.empty(), "predict: --input FILE.csv is required",
                 run.data.vocabulary ? " (or --prompt TEXT, for this language model)" : "");
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
}

}  // namespace

void add_predict_command(CLI::App& app) {
  static PredictCommandOptions options;
  auto* cmd = app.add_subcommand("predict", "Predict with a trained run's newest checkpoint");
  cmd->add_option("run_dir", options.run_dir, "The run directory (checkpoint.dir of the run's config)")->required();
  cmd->add_option("--input", options.input, "Classifiers: CSV file of examples, one per line");
  cmd->add_option("--output", options.output, "logits, probs or class (with --prompt: of the next character)")
      ->check(CLI::IsMember({"logits", "probs", "class"}));
  cmd->add_option("--format", options.format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--device", options.device, "auto, cpu, cuda or cuda:N");
  cmd->add_option("--prompt", options.prompt, "Language models: the text to continue (may be empty)");
  cmd->add_option("--tokens", options.sample.tokens, "Language models: characters to generate")->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--temperature", options.sample.temperature, "Language models: sampling temperature (> 0)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", options.sample.seed, "Language models: the sampling seed");
  cmd->callback([cmd] {
    options.output_given = cmd->count("--output") > 0;
    models::LoadedRun run = models::load_run(options.run_dir, options.device);
    if (options.prompt && options.output_given) {
      NIMBUS_CHECK_T(ConfigError, run.data.vocabulary.has_value(),
                     "predict: --prompt needs a run trained on text (data.dataset: text); this one uses ",
                     run.config.data.dataset);
      predict_next_token(run, options);
    } else if (options.prompt) {
      generate_text(run, options);
    } else {
      predict_rows(run, options);
    }
  });
}

}  // namespace nimbus::tools
