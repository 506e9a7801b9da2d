#pragma once
// `nimbus export`: turns a training run into one version of a served model.
//
// Note [Exported model]: DIR/<model>/<version>/ holds
//   config.yaml          a run config whose model section is the run's; its data section is a
//                        synthetic stand-in with the run's input shape and class count, so the
//                        file loads with the ordinary config loader without the training data
//   weights.safetensors  the model's parameters and buffers, by module name (no optimizer state)
//   metadata.json        inputs and outputs as KServe v2 tensors, the input preprocessing, for a
//                        gpt its vocabulary and longest sequence, and optionally the instances
//                        that serve it (serve/model_metadata.h)
// Classifier inputs are one flat row of values per example (FP32 [-1, 64] for digits, whatever the
// model's own example shape), as `nimbus predict` reads them. A gpt trained on text takes token ids
// and returns the next token's logits; its metadata carries the vocabulary (Note [Token model] in
// model_metadata.h), and its data section is synthetic tokens of the model's context. The version
// folder is written beside its final place under a hidden name and renamed into place, so a
// server scanning the repository never sees half an export.
#include <optional>
#include <string>

#include "runtime/macros.h"

namespace nimbus::serve {

struct ExportOptions {
  bool force = false;  // replace an existing version folder
  // Written to metadata.json: the instances `nimbus serve` runs this version with, whatever its
  // --instances (Note [Model instances] in batcher.h); unset: the server decides.
  std::optional<int> instances;
};

// Exports the newest checkpoint of `run_dir` into `version_dir` (.../<model>/<version>), creating
// missing parent folders. Throws IOError for a missing run or an existing destination (without
// force), ConfigError for a model or destination name that cannot be served or instances outside
// [1, kMaxInstances].
NIMBUS_API void export_run(const std::string& run_dir, const std::string& version_dir, const ExportOptions& options);

}  // namespace nimbus::serve
