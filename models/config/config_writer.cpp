// The resolved config as YAML: every key a run used, defaults filled in, only the keys of the
// chosen model kind, dataset, optimizer and schedule. Numbers are written in their shortest form
// that reads back to the same double, so a saved config reloads to the identical run.
#include <charconv>

#include "models/config/run_config.h"
#include "models/config/yaml_section.h"

namespace nimbus::models {

namespace {

std::string number(double v) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, v).ptr;
  std::string s(text, end);
  // "1e-05" and "3" are YAML numbers too, but a float must not read back as an integer.
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

YAML::Node list(const std::vector<int64_t>& values) {
  YAML::Node node(YAML::NodeType::Sequence);
  for (const int64_t v : values) node.push_back(v);
  node.SetStyle(YAML::EmitterStyle::Flow);
  return node;
}

YAML::Node model_node(const ModelSpec& m) {
  YAML::Node n;
  n["kind"] = m.kind;
  if (m.kind == "mlp") {
    n["hidden"] = list(m.hidden);
    n["activation"] = m.activation;
    n["dropout"] = number(m.dropout);
  } else if (m.kind == "cnn") {
    n["channels"] = list(m.channels);
    n["kernel_size"] = m.kernel_size;
    n["fc_width"] = m.fc_width;
  } else if (m.kind == "resnet") {
    n["channels"] = list(m.channels);
    n["blocks_per_stage"] = m.blocks_per_stage;
  } else if (m.kind == "gpt") {
    n["layers"] = m.layers;
    n["heads"] = m.heads;
    n["width"] = m.width;
    n["context"] = m.context;
    n["dropout"] = number(m.dropout);
  }
  return n;
}

YAML::Node data_node(const DataConfig& d) {
  YAML::Node n;
  n["dataset"] = d.dataset;
  if (!d.path.empty()) n["path"] = d.path;
  n["batch_size"] = d.batch_size;
  n["eval_batch_size"] = d.eval_batch_size;
  n["shuffle"] = d.shuffle;
  if (d.dataset == "digits" || d.dataset == "csv" || d.dataset == "query") {
    n["split_seed"] = d.split_seed;
    n["train_fraction"] = number(d.train_fraction);
    n["val_fraction"] = number(d.val_fraction);
  }
  if ((d.dataset == "csv" || d.dataset == "query") && !d.label.empty()) n["label"] = d.label;
  if (d.dataset == "query") {
    n["sql"] = d.sql;
    YAML::Node tables(YAML::NodeType::Map);
    for (const data::QueryTableFile& t : d.tables) {
      if (t.header) {
        tables[t.name] = t.path;
      } else {
        tables[t.name]["path"] = t.path;
        tables[t.name]["header"] = false;
      }
    }
    n["tables"] = tables;
    if (!d.features.empty()) {
      YAML::Node features(YAML::NodeType::Sequence);
      for (const std::string& f : d.features) features.push_back(f);
      features.SetStyle(YAML::EmitterStyle::Flow);
      n["features"] = features;
    }
  }
  if (d.dataset == "synthetic") {
    n["kind"] = d.synthetic_kind;
    if (d.synthetic_kind == "classification") n["input_shape"] = list(d.input_shape);
    n["classes"] = d.classes;
    n["train_size"] = d.train_size;
    n["val_size"] = d.val_size;
    n["test_size"] = d.test_size;
  }
  if (d.dataset == "text" || (d.dataset == "synthetic" && d.synthetic_kind == "tokens")) n["context"] = d.context;
  return n;
}

YAML::Node optimizer_node(const OptimizerConfig& o) {
  YAML::Node n;
  n["name"] = o.name;
  n["lr"] = number(o.lr);
  n["weight_decay"] = number(o.weight_decay);
  n["grad_clip"] = number(o.grad_clip);
  if (o.name == "sgd") {
    n["momentum"] = number(o.momentum);
    n["nesterov"] = o.nesterov;
  } else {
    n["beta1"] = number(o.beta1);
    n["beta2"] = number(o.beta2);
    n["eps"] = number(o.eps);
  }
  return n;
}

YAML::Node schedule_node(const ScheduleConfig& s) {
  YAML::Node n;
  n["kind"] = s.kind;
  n["warmup_steps"] = s.warmup_steps;
  if (s.kind == "step") {
    n["step_size"] = s.step_size;
    n["gamma"] = number(s.gamma);
  }
  if (s.kind == "cosine") n["min_lr"] = number(s.min_lr);
  return n;
}

std::string emit(const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  return std::string(out.c_str()) + "\n";
}

}  // namespace

std::string model_to_yaml(const ModelSpec& model) { return emit(model_node(model)); }

std::string to_yaml(const RunConfig& c) {
  YAML::Node root;
  root["seed"] = c.seed;
  root["device"] = c.device;
  root["precision"] = c.precision;
  root["model"] = model_node(c.model);
  root["data"] = data_node(c.data);
  root["optimizer"] = optimizer_node(c.optimizer);
  root["schedule"] = schedule_node(c.schedule);
  YAML::Node t;
  if (c.training.steps > 0) t["steps"] = c.training.steps;
  if (c.training.epochs > 0) t["epochs"] = c.training.epochs;
  t["log_every"] = c.training.log_every;
  t["eval_every"] = c.training.eval_every;
  t["eval_batches"] = c.training.eval_batches;
  root["training"] = t;
  YAML::Node k;
  k["dir"] = c.checkpoint.dir;
  k["every"] = c.checkpoint.every;
  k["keep"] = c.checkpoint.keep;
  root["checkpoint"] = k;
  return emit(root);
}

}  // namespace nimbus::models
