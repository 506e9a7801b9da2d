#pragma once
// Small exported models written in code (Note [Exported model] in serve/model_export.h), without a
// training run: an mlp taking 4 values per example and returning 3 logits, and a gpt over the
// vocabulary "abcde" with a context of 6 (Note [Token model] in serve/model_metadata.h).
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

// The tiny gpt's model section, with what it takes from the data filled in.
inline models::ModelSpec tiny_gpt_spec() {
  models::ModelSpec spec;
  spec.kind = "gpt";
  spec.layers = 1;
  spec.heads = 2;
  spec.width = 8;
  spec.context = 6;
  spec.input_shape = {6};
  spec.classes = 5;
  return spec;
}

inline constexpr const char* kTinyGptVocabulary = "abcde";

// Its weights are those build_model draws from Generator(seed), so a test can build the same model.
inline void write_exported_gpt(const std::filesystem::path& folder, uint64_t seed = 1) {
  std::filesystem::create_directories(folder);
  const models::ModelSpec spec = tiny_gpt_spec();
  models::RunConfig config;
  config.seed = seed;
  config.model = spec;
  config.data.dataset = "synthetic";
  config.data.synthetic_kind = "tokens";
  config.data.classes = spec.classes;
  config.data.context = spec.context;
  config.training.steps = 1;
  config.checkpoint.dir = ".";
  std::ofstream(folder / "config.yaml") << models::to_yaml(config);
  Generator init(seed), dropout(seed);
  save_safetensors((folder / "weights.safetensors").string(), models::build_model(spec, init, dropout)->state_dict());
  ModelMetadata metadata;
  metadata.inputs.push_back({"tokens", "INT64", {-1, -1}});
  metadata.outputs.push_back({"logits", "FP32", {-1, spec.classes}});
  metadata.tokens = TokenModel{kTinyGptVocabulary, spec.context};
  std::ofstream(folder / "metadata.json") << metadata_to_json(metadata);
}

}  // namespace nimbus::serve::testing
