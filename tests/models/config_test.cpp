// The run-config loader: defaults, every section's checks, all problems reported together with
// their lines, --set overrides, and the resolved YAML reading back to the same run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "models/config/run_config.h"
#include "runtime/error.h"

namespace nimbus::models {
namespace {

const std::string kDigits = std::string(NIMBUS_EXAMPLES_DIR) + "/data/digits.csv.gz";

std::string minimal(const std::string& model = "kind: mlp") {
  return "model: {" + model + "}\n"
         "data: {dataset: digits, path: " + kDigits + "}\n"
         "training: {steps: 10}\n"
         "checkpoint: {dir: runs/x}\n";
}

// The ConfigError message for `yaml`, or "" when it loads.
std::string problems(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    parse_run_config(yaml, "run.yaml", ".", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelsConfig, MinimalConfigGetsDefaults) {
  const RunConfig c = parse_run_config(minimal(), "run.yaml", ".");
  EXPECT_EQ(c.model.kind, "mlp");
  EXPECT_EQ(c.device, "auto");
  EXPECT_EQ(c.optimizer.name, "adamw");
  EXPECT_DOUBLE_EQ(c.optimizer.weight_decay, 0.01);  // AdamW's default decay
  EXPECT_EQ(c.training.steps, 10);
  EXPECT_EQ(c.data.path, kDigits);
  EXPECT_EQ(c.checkpoint.dir, "runs/x");
}

TEST(ModelsConfig, ReadsEverySection) {
  const RunConfig c = parse_run_config(
      "seed: 7\ndevice: cpu\nprecision: fp32\n"
      "model: {kind: gpt, layers: 2, heads: 2, width: 32}\n"
      "data: {dataset: synthetic, kind: tokens, classes: 11, context: 16, batch_size: 4}\n"
      "optimizer: {name: sgd, lr: 0.5, momentum: 0.9, nesterov: true, grad_clip: 1}\n"
      "schedule: {kind: step, step_size: 5, gamma: 0.5, warmup_steps: 2}\n"
      "training: {epochs: 3, log_every: 5, eval_every: 10, eval_batches: 2}\n"
      "checkpoint: {dir: out, every: 10, keep: 1}\n",
      "run.yaml", ".");
  EXPECT_EQ(c.seed, 7u);
  EXPECT_EQ(c.model.layers, 2);
  EXPECT_EQ(c.model.context, 16);  // from data.context when the model does not say
  EXPECT_EQ(c.data.classes, 11);
  EXPECT_TRUE(c.optimizer.nesterov);
  EXPECT_DOUBLE_EQ(c.optimizer.grad_clip, 1.0);
  EXPECT_EQ(c.schedule.step_size, 5);
  EXPECT_EQ(c.training.epochs, 3);
  EXPECT_EQ(c.checkpoint.keep, 1);
}

TEST(ModelsConfig, ReportsEveryProblemWithItsLine) {
  const std::string text = problems(
      "model:\n  kind: mlp\n  hiden: [64]\n"          // line 3: typo
      "data: {dataset: digits, path: nowhere.csv}\n"  // line 4: missing file
      "optimizer: {name: adamw, lr: -1}\n"            // line 5: negative rate
      "training: {steps: ten}\n"                      // line 6: not a number
      "checkpoint: {every: 5}\n");                    // line 7: no dir
  EXPECT_NE(text.find("5 problems"), std::string::npos) << text;
  EXPECT_NE(text.find("run.yaml:3: model.hiden: unknown key for model kind 'mlp' (did you mean 'hidden'?)"),
            std::string::npos) << text;
  EXPECT_NE(text.find("run.yaml:4: data.path: file"), std::string::npos) << text;
  EXPECT_NE(text.find("nowhere.csv' does not exist"), std::string::npos) << text;
  EXPECT_NE(text.find("run.yaml:5: optimizer.lr: expected a number in"), std::string::npos) << text;
  EXPECT_NE(text.find("got '-1'"), std::string::npos) << text;
  EXPECT_NE(text.find("run.yaml:6: training.steps: expected an integer >= 1, got 'ten'"), std::string::npos) << text;
  EXPECT_NE(text.find("checkpoint.dir: is required"), std::string::npos) << text;
}

TEST(ModelsConfig, NamesAllowedValues) {
  EXPECT_NE(problems(minimal("kind: transformer")).find("model.kind: expected one of mlp, cnn, resnet, gpt, got 'transformer'"),
            std::string::npos);
  EXPECT_NE(problems(minimal("kind: mlp, activation: swish")).find("one of relu, gelu, tanh, silu"), std::string::npos);
  EXPECT_NE(problems(minimal("kind: mlp, channels: [8]")).find("model.channels: unknown key for model kind 'mlp'"),
            std::string::npos);
  EXPECT_NE(problems(minimal() + "device: tpu\n").find("device: expected auto, cpu, cuda or cuda:N, got 'tpu'"),
            std::string::npos);
  EXPECT_NE(problems(minimal() + "precision: f8\n").find("precision: expected one of fp32, bf16, fp16, got 'f8'"),
            std::string::npos)
      << problems(minimal() + "precision: f8\n");
  EXPECT_NE(problems(minimal() + "extra: 1\n").find("extra: unknown key for the top level"), std::string::npos);
}

TEST(ModelsConfig, ReadsEveryPrecision) {
  EXPECT_EQ(parse_run_config(minimal(), "run.yaml", ".").precision, "fp32");
  for (const std::string precision : {"fp32", "bf16", "fp16"}) {
    const RunConfig c = parse_run_config(minimal() + "precision: " + precision + "\n", "run.yaml", ".");
    EXPECT_EQ(c.precision, precision);
    // The resolved config keeps it, and --set changes it.
    EXPECT_EQ(parse_run_config(to_yaml(c), "config.yaml", ".").precision, precision);
    EXPECT_EQ(parse_run_config(minimal(), "run.yaml", ".", {"precision=" + precision}).precision, precision);
  }
  EXPECT_NE(problems(minimal(), {"precision=float16"}).find("precision: expected one of fp32, bf16, fp16, got 'float16'"),
            std::string::npos);
}

TEST(ModelsConfig, ChecksAcrossSections) {
  EXPECT_NE(problems(minimal("kind: gpt")).find("a gpt model needs token data"), std::string::npos);
  EXPECT_NE(problems(minimal("kind: gpt, width: 30, heads: 4")).find("model.width: 30 is not divisible by model.heads (4)"), std::string::npos);
  const std::string both = problems("model: {kind: mlp}\ndata: {dataset: digits, path: " + kDigits +
                                    "}\ntraining: {steps: 1, epochs: 1}\ncheckpoint: {dir: d}\n");
  EXPECT_NE(both.find("give exactly one of steps and epochs"), std::string::npos) << both;
}

TEST(ModelsConfig, BadYamlNamesThePosition) {
  const std::string text = problems("model: {kind: mlp\ndata: [\n");
  EXPECT_NE(text.find("run.yaml:"), std::string::npos);
  EXPECT_NE(text.find("not valid YAML"), std::string::npos) << text;
  EXPECT_NE(problems("- a\n- b\n").find("expected a mapping"), std::string::npos);
}

TEST(ModelsConfig, OverridesApplyBeforeChecks) {
  const RunConfig c = parse_run_config(minimal(), "run.yaml", ".",
                                       {"optimizer.lr=0.25", "model.hidden=[32, 16]", "training.steps=99"});
  EXPECT_DOUBLE_EQ(c.optimizer.lr, 0.25);
  EXPECT_EQ(c.model.hidden, (std::vector<int64_t>{32, 16}));
  EXPECT_EQ(c.training.steps, 99);
  const std::string text = problems(minimal(), {"optimizer.lr=fast", "nonsense"});
  EXPECT_NE(text.find("(--set optimizer.lr): optimizer.lr: expected a number"), std::string::npos) << text;
  EXPECT_NE(text.find("expected key.path=value"), std::string::npos) << text;
  EXPECT_NE(problems(minimal(), {"model.kind.x=1"}).find("'kind' is a value, not a section"), std::string::npos);
}

TEST(ModelsConfig, ResolvedYamlReadsBackToTheSameRun) {
  const RunConfig c = parse_run_config(minimal("kind: mlp, hidden: [64, 32], dropout: 0.1"), "run.yaml", ".",
                                       {"optimizer.lr=0.003", "schedule.kind=cosine", "schedule.min_lr=1e-5"});
  const std::string yaml = to_yaml(c);
  const RunConfig again = parse_run_config(yaml, "resolved.yaml", "/");
  EXPECT_EQ(to_yaml(again), yaml);
  EXPECT_DOUBLE_EQ(again.optimizer.lr, 0.003);
  EXPECT_DOUBLE_EQ(again.schedule.min_lr, 1e-5);
  EXPECT_EQ(again.model.hidden, c.model.hidden);
  EXPECT_EQ(model_to_yaml(again.model), model_to_yaml(c.model));
}

TEST(ModelsConfig, RelativeDataPathsStartAtTheConfigFolder) {
  const auto dir = std::filesystem::temp_directory_path() / "nimbus_config_test";
  std::filesystem::create_directories(dir / "configs");
  std::filesystem::copy_file(kDigits, dir / "digits.csv.gz", std::filesystem::copy_options::overwrite_existing);
  std::ofstream(dir / "configs" / "run.yaml") << "model: {kind: mlp}\ndata: {dataset: digits, path: ../digits.csv.gz}\n"
                                                 "training: {steps: 1}\ncheckpoint: {dir: out}\n";
  const RunConfig c = load_run_config((dir / "configs" / "run.yaml").string());
  EXPECT_EQ(c.data.path, (dir / "digits.csv.gz").string());
  EXPECT_THROW(load_run_config((dir / "missing.yaml").string()), IOError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nimbus::models
