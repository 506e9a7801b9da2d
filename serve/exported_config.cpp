#include "serve/exported_config.h"

#include "models/config/model_section.h"
#include "models/config/yaml_section.h"
#include "runtime/error.h"
#include "runtime/read_file.h"

namespace nimbus::serve {

ExportedConfig read_exported_config(const std::string& path) {
  const std::string text = io::read_file(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    NIMBUS_THROW(ConfigError, path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": not valid YAML: ", e.msg);
  }
  NIMBUS_CHECK_T(ConfigError, root.IsMap(), path, ": expected the mapping of an exported run config (model, data, ...)");

  models::ConfigProblems problems(path);
  models::YamlSection top(root, "", problems);
  ExportedConfig config;
  top.read("seed", config.seed);
  top.require("model");
  top.require("data");
  models::ModelSpec& spec = config.model;
  models::read_model_section(top.section("model"), spec, problems);
  models::YamlSection data = top.section("data");
  std::string dataset, kind;
  data.read("dataset", dataset, {"synthetic"});
  data.read("kind", kind, {"classification", "tokens"});
  data.require("classes");
  data.read("classes", spec.classes, 2, 1 << 20);
  const bool tokens = kind == "tokens";
  if (spec.kind == "gpt" && !tokens) data.report("kind", "a gpt is exported with kind: tokens");
  if (tokens) {
    data.require("context");
    int64_t context = 0;
    data.read("context", context, 1, 1 << 16);
    spec.input_shape = {context};
  } else {
    data.require("input_shape");
    data.read("input_shape", spec.input_shape, 1);
  }
  problems.throw_if_any();
  try {
    models::validate_model_spec(spec);
  } catch (const Error& e) {
    NIMBUS_THROW(ConfigError, path, ": ", e.what());
  }
  return config;
}

}  // namespace nimbus::serve
