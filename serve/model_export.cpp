#include "serve/model_export.h"

#include <filesystem>
#include <system_error>

#include "runtime/atomic_file.h"
#include "frontend/io/safetensors.h"
#include "models/config/run_config.h"
#include "models/runner/trainer.h"
#include "runtime/error.h"
#include "serve/model_metadata.h"
#include "serve/model_names.h"

namespace fs = std::filesystem;

namespace nimbus::serve {

namespace {

void write_text(const fs::path& path, const std::string& text) {
  io::AtomicFileWriter writer(path.string());
  writer.write(text);
  writer.commit();
}

// The run config with the data section replaced by a synthetic stand-in of the same shape (Note
// [Exported model]): what the server needs to build the model, and nothing that points at files
// of the training machine.
models::RunConfig serving_config(const models::RunConfig& trained) {
  models::RunConfig config = trained;
  models::DataConfig stand_in;  // synthetic classification by its defaults
  stand_in.dataset = std::string_view("synthetic");
  stand_in.input_shape = trained.model.input_shape;
  stand_in.classes = trained.model.classes;
  if (trained.model.kind == "gpt") {
    // Token sequences over the vocabulary, as long as the model's context: the longest it serves.
    stand_in.synthetic_kind = std::string_view("tokens");
    stand_in.context = trained.model.context;
  }
  config.data = std::move(stand_in);
  config.checkpoint.dir.assign(1, '.');
  return config;
}

ModelMetadata serving_metadata(const models::LoadedRun& run) {
  const models::ModelSpec& spec = run.config.model;
  ModelMetadata metadata;
  metadata.trained_steps = run.step;
  if (spec.kind == "gpt") {
    // Note [Token model] in model_metadata.h: ids of any length up to the context in, the next
    // token's logits out.
    metadata.inputs.push_back({"tokens", "INT64", {-1, -1}});
    metadata.outputs.push_back({"logits", "FP32", {-1, spec.classes}});
    metadata.tokens = TokenModel{run.data.vocabulary->symbols(), spec.context};
    return metadata;
  }
  metadata.inputs.push_back({"input", "FP32", {-1, shape_numel(spec.input_shape)}});
  metadata.outputs.push_back({"logits", "FP32", {-1, spec.classes}});
  // As models/runner/predict_inputs.cpp prepares rows: digits pixels are divided by 16.
  metadata.input_scale = run.config.data.dataset == "digits" ? 1.0f / 16.0f : 1.0f;
  return metadata;
}

}  // namespace

void export_run(const std::string& run_dir, const std::string& version_dir, const ExportOptions& options) {
  fs::path destination = fs::path(version_dir).lexically_normal();
  if (destination.filename().empty()) destination = destination.parent_path();  // a trailing '/'
  const std::string version = destination.filename().string();
  const std::string model = destination.parent_path().filename().string();
  NIMBUS_CHECK_T(ConfigError, parse_version(version).has_value(), "export: the destination '", version_dir,
                 "' must end in <model>/<version> with a version number such as 1 (got '", version, "')");
  NIMBUS_CHECK_T(ConfigError, !options.instances || (*options.instances >= 1 && *options.instances <= kMaxInstances),
                 "export: instances must be from 1 to ", kMaxInstances, ", got ", options.instances.value_or(0));
  NIMBUS_CHECK_T(ConfigError, is_valid_model_name(model), "export: '", model, "' in '", version_dir,
                 "' is not a model name: use letters, digits, '_', '-' and '.' (not first), at most ",
                 kMaxModelNameLength, " characters");
  std::error_code error;
  const bool exists = fs::exists(destination, error);
  NIMBUS_CHECK_T(IOError, !exists || options.force, "export: '", destination.string(),
                 "' already exists; pass --force to replace it");
  NIMBUS_CHECK_T(IOError, !exists || fs::is_directory(destination), "export: '", destination.string(),
                 "' exists and is not a folder");

  const models::LoadedRun run = models::load_run(run_dir, "cpu");
  // Clients need the characters behind the ids; only text data has them.
  NIMBUS_CHECK_T(ConfigError, run.config.model.kind != "gpt" || run.data.vocabulary.has_value(), "export: the run '",
                 run_dir, "' holds a gpt trained on ", run.config.data.dataset,
                 " tokens, which have no vocabulary; serving takes language models trained on text (data.dataset: text)");

  fs::create_directories(destination.parent_path(), error);
  NIMBUS_CHECK_T(IOError, !error, "export: cannot create '", destination.parent_path().string(), "': ",
                 error.message());
  // Written under a hidden name, then renamed into place (Note [Exported model]).
  const fs::path staging = destination.parent_path() / std::string(".").append(version).append(".exporting");
  fs::remove_all(staging, error);
  fs::create_directory(staging, error);
  NIMBUS_CHECK_T(IOError, !error, "export: cannot create '", staging.string(), "': ", error.message());
  try {
    write_text(staging / "config.yaml", models::to_yaml(serving_config(run.config)));
    save_safetensors((staging / "weights.safetensors").string(), run.model->state_dict(),
                     {{"format", "nimbus-served-model"}});
    ModelMetadata metadata = serving_metadata(run);
    metadata.instances = options.instances;
    write_text(staging / "metadata.json", metadata_to_json(metadata));
    if (exists) fs::remove_all(destination);
    fs::rename(staging, destination);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(staging, error);
    NIMBUS_THROW(IOError, "export: cannot write '", destination.string(), "': ", e.code().message());
  } catch (...) {
    fs::remove_all(staging, error);
    throw;
  }
}

}  // namespace nimbus::serve
