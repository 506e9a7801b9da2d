#pragma once
// A small exported model written in code (Note [Exported model] in serve/model_export.h): an mlp
// taking 4 values per example and returning 3 logits, without a training run.
#include <filesystem>
#include <fstream>
#include <string>

#include "frontend/io/safetensors.h"
#include "models/config/run_config.h"
#include "models/zoo/model_zoo.h"
#include "serve/model_metadata.h"

namespace nimbus::serve::testing {

inline void write_exported_mlp(const std::filesystem::path& folder, uint64_t seed = 1) {
  std::filesystem::create_directories(folder);
  models::RunConfig config;
  config.seed = seed;
  config.model.kind = "mlp";
  config.model.hidden = {8};
  config.data.dataset = "synthetic";
  config.data.input_shape = {4};
  config.data.classes = 3;
  config.training.steps = 1;
  config.checkpoint.dir = ".";
  std::ofstream(folder / "config.yaml") << models::to_yaml(config);
  models::ModelSpec spec = config.model;
  spec.input_shape = {4};
  spec.classes = 3;
  Generator init(seed), dropout(seed);
  save_safetensors((folder / "weights.safetensors").string(), models::build_model(spec, init, dropout)->state_dict());
  ModelMetadata metadata;
  metadata.inputs.push_back({"input", "FP32", {-1, 4}});
  metadata.outputs.push_back({"logits", "FP32", {-1, 3}});
  std::ofstream(folder / "metadata.json") << metadata_to_json(metadata);
}

}  // namespace nimbus::serve::testing
