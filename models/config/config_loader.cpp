// Loading a run config: parse the YAML, apply --set overrides, read every section with checks
// (yaml_section.h), then check what spans sections (a GPT needs token data, steps or epochs...).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/config/model_section.h"
#include "models/config/query_config.h"
#include "models/config/run_config.h"
#include "models/config/yaml_section.h"
#include "models/runner/mixed_precision.h"
#include "runtime/device.h"
#include "runtime/error.h"

namespace nimbus::models {

namespace {

namespace fs = std::filesystem;

void apply_override(YAML::Node node, const std::vector<std::string>& parts, size_t i, const YAML::Node& value,
                    const std::string& text, ConfigProblems& problems) {
  if (i + 1 == parts.size()) {
    node[parts[i]] = value;
    return;
  }
  if (!node[parts[i]].IsMap()) {
    if (node[parts[i]].IsDefined() && !node[parts[i]].IsNull()) {
      problems.add("--set " + text, "'" + parts[i] + "' is a value, not a section");
      return;
    }
    node[parts[i]] = YAML::Node(YAML::NodeType::Map);
  }
  apply_override(node[parts[i]], parts, i + 1, value, text, problems);
}

void apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides, ConfigProblems& problems) {
  for (const auto& text : overrides) {
    const size_t eq = text.find('=');
    std::vector<std::string> parts;
    if (eq != std::string::npos) {
      std::istringstream key(text.substr(0, eq));
      for (std::string part; std::getline(key, part, '.');) parts.push_back(part);
    }
    bool well_formed = !parts.empty();
    for (const auto& p : parts) well_formed &= !p.empty();
    if (!well_formed) {
      problems.add("--set " + text, "expected key.path=value, e.g. --set optimizer.lr=0.01");
      continue;
    }
    YAML::Node value;
    try {
      value = YAML::Load(text.substr(eq + 1));
    } catch (const YAML::Exception&) {
      value = YAML::Node(text.substr(eq + 1));  // not YAML: take the text as it is
    }
    problems.mark_overridden(text.substr(0, eq));
    apply_override(root, parts, 0, value, text, problems);
  }
}

void read_data(YamlSection s, DataConfig& d, const std::string& base_dir) {
  // `type` is another name for `dataset` (data: {type: query, ...}); the resolved config says dataset.
  const std::vector<std::string> datasets = {"digits", "text", "csv", "synthetic", "query"};
  if (!s.has("type")) s.require("dataset");
  s.read("dataset", d.dataset, datasets);
  s.read("type", d.dataset, datasets);
  if (s.has("type") && s.has("dataset"))
    s.report("type", "give one of dataset and type (type is another name for dataset), not both");
  s.read("batch_size", d.batch_size, 1, 1 << 20);
  s.read("eval_batch_size", d.eval_batch_size, 1, 1 << 20);
  s.read("shuffle", d.shuffle);
  if (d.dataset == "digits" || d.dataset == "text" || d.dataset == "csv") {
    s.require("path");
    s.read_file_path("path", d.path, base_dir);
  }
  if (d.dataset == "digits" || d.dataset == "csv" || d.dataset == "query") {
    s.read("split_seed", d.split_seed);
    s.read("train_fraction", d.train_fraction, 0.0, 1.0);
    s.read("val_fraction", d.val_fraction, 0.0, 1.0);
    if (d.train_fraction + d.val_fraction > 1 + 1e-9)
      s.report("val_fraction", "train_fraction + val_fraction exceed 1 (the test part gets the rest)");
  }
  if (d.dataset == "csv") s.read("label", d.label);
  if (d.dataset == "query") read_query_data(s, d, base_dir);
  if (d.dataset == "synthetic") {
    s.read("kind", d.synthetic_kind, {"classification", "tokens"});
    if (d.synthetic_kind == "classification") s.read("input_shape", d.input_shape, 1);
    s.read("classes", d.classes, 2, 1 << 20);
    s.read("train_size", d.train_size, 1);
    s.read("val_size", d.val_size, 1);
    s.read("test_size", d.test_size, 1);
  }
  if (d.dataset == "text" || (d.dataset == "synthetic" && d.synthetic_kind == "tokens"))
    s.read("context", d.context, 1, 1 << 16);
  s.reject_unknown("dataset '" + d.dataset + "'");
}

void read_optimizer(YamlSection s, OptimizerConfig& o) {
  s.read("name", o.name, {"sgd", "adam", "adamw"});
  if (o.name == "adamw") o.weight_decay = 0.01;  // PyTorch's AdamW default
  s.read("lr", o.lr, 1e-12, 10.0);
  s.read("weight_decay", o.weight_decay, 0.0, 10.0);
  s.read("grad_clip", o.grad_clip, 0.0, 1e9);
  if (o.name == "sgd") {
    s.read("momentum", o.momentum, 0.0, 0.999999);
    s.read("nesterov", o.nesterov);
    if (o.nesterov && o.momentum == 0)
      s.report("nesterov", "Nesterov momentum needs momentum > 0");
  } else {
    s.read("beta1", o.beta1, 0.0, 0.999999);
    s.read("beta2", o.beta2, 0.0, 0.999999999);
    s.read("eps", o.eps, 1e-30, 1.0);
  }
  s.reject_unknown("optimizer '" + o.name + "'");
}

void read_schedule(YamlSection s, ScheduleConfig& c) {
  s.read("kind", c.kind, {"constant", "step", "cosine"});
  s.read("warmup_steps", c.warmup_steps, 0);
  if (c.kind == "step") {
    s.read("step_size", c.step_size, 1);
    s.read("gamma", c.gamma, 1e-12, 1.0);
  }
  if (c.kind == "cosine") s.read("min_lr", c.min_lr, 0.0, 10.0);
  s.reject_unknown("schedule kind '" + c.kind + "'");
}

void read_training(YamlSection s, TrainingConfig& t) {
  s.read("steps", t.steps, 1);
  s.read("epochs", t.epochs, 1);
  s.read("log_every", t.log_every, 1);
  s.read("eval_every", t.eval_every, 0);
  s.read("eval_batches", t.eval_batches, 0);
  if (s.has("steps") == s.has("epochs")) s.report("steps", "give exactly one of steps and epochs");
  s.reject_unknown("training");
}

void read_checkpoint(YamlSection s, CheckpointConfig& c) {
  s.require("dir");
  s.read("dir", c.dir);
  s.read("every", c.every, 0);
  s.read("keep", c.keep, 1);
  s.reject_unknown("checkpoint");
}

// Checks that span sections.
void check_consistency(RunConfig& c, const YAML::Node& root, ConfigProblems& problems) {
  const bool tokens = c.data.dataset == "text" || (c.data.dataset == "synthetic" && c.data.synthetic_kind == "tokens");
  if (c.model.kind == "gpt" && !tokens)
    problems.add("model.kind", "a gpt model needs token data (data.dataset text, or synthetic with kind tokens), not '" +
                                   c.data.dataset + "'");
  if (c.model.kind != "gpt" && tokens)
    problems.add("model.kind", "token data (" + c.data.dataset + ") needs model kind gpt, not '" + c.model.kind + "'");
  if (c.model.kind == "gpt") {
    if (!root["model"]["context"].IsDefined()) c.model.context = c.data.context;
    if (c.data.context > c.model.context)
      problems.add("data.context", "sequences of " + std::to_string(c.data.context) +
                                       " tokens do not fit the model's context of " + std::to_string(c.model.context));
  }
  if (c.schedule.kind == "cosine" && c.schedule.min_lr > c.optimizer.lr)
    problems.add("schedule.min_lr", "min_lr is above optimizer.lr");
}

}  // namespace

RunConfig parse_run_config(const std::string& yaml, const std::string& source, const std::string& base_dir,
                           const std::vector<std::string>& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    NIMBUS_THROW(ConfigError, source, ":", e.mark.line + 1, ":", e.mark.column + 1, ": not valid YAML: ", e.msg);
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  NIMBUS_CHECK_T(ConfigError, root.IsMap(), source, ": expected a mapping of keys (model, data, ...) at the top");

  ConfigProblems problems(source);
  apply_overrides(root, overrides, problems);
  RunConfig c;
  YamlSection top(root, "", problems);
  top.read("seed", c.seed);
  top.read("device", c.device);
  try {
    (void)Device::parse(c.device);
  } catch (const Error&) {
    problems.add(root["device"], "device", "expected auto, cpu, cuda or cuda:N, got '" + c.device + "'");
  }
  top.read("precision", c.precision, precision_names());
  top.require("model");
  top.require("data");
  top.require("training");
  top.require("checkpoint");
  read_model_section(top.section("model"), c.model, problems);
  read_data(top.section("data"), c.data, base_dir);
  read_optimizer(top.section("optimizer"), c.optimizer);
  read_schedule(top.section("schedule"), c.schedule);
  read_training(top.section("training"), c.training);
  read_checkpoint(top.section("checkpoint"), c.checkpoint);
  top.reject_unknown("the top level");
  if (problems.empty()) check_consistency(c, root, problems);
  problems.throw_if_any();
  return c;
}

RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream file(path);
  NIMBUS_CHECK_T(IOError, file.good() && !fs::is_directory(path), "cannot read config '", path, "': ",
                 fs::exists(path) ? "not a readable file" : "no such file");
  std::ostringstream text;
  text << file.rdbuf();
  const fs::path folder = fs::absolute(fs::path(path)).parent_path();
  return parse_run_config(text.str(), path, folder.string(), overrides);
}

}  // namespace nimbus::models
