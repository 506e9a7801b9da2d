#include "models/runner/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/atomic_file.h"
#include "frontend/io/safetensors.h"
#include "models/runner/fault_injection.h"
#include "runtime/error.h"

namespace nimbus::models {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kStateKey = "nimbus.training_state";
constexpr const char* kModelKey = "nimbus.model";

std::string checkpoint_name(int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "step-%08lld.safetensors", static_cast<long long>(step));
  return name;
}

// The step of "step-<N>.safetensors", or -1 for any other name.
int64_t step_of(const std::string& name) {
  long long step = -1;
  char tail[32] = {};
  if (std::sscanf(name.c_str(), "step-%lld.%31s", &step, tail) == 2 && std::string(tail) == "safetensors") return step;
  return -1;
}

std::vector<std::pair<int64_t, fs::path>> checkpoints_in(const std::string& folder) {
  std::vector<std::pair<int64_t, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (const int64_t step = step_of(entry.path().filename().string()); step >= 0) found.emplace_back(step, entry.path());
  std::sort(found.begin(), found.end());
  return found;
}

std::string state_json(const TrainingState& s) {
  return Json{{"step", s.step},
              {"loader_epoch", s.loader.epoch},
              {"loader_position", s.loader.position},
              {"dropout_calls", s.dropout_calls},
              {"window_loss_sum", s.window_loss_sum},
              {"window_steps", s.window_steps},
              {"loss_scale", s.loss_scaler.scale},
              {"loss_scale_good_steps", s.loss_scaler.good_steps},
              {"skipped_steps", s.skipped_steps}}
      .dump();
}

TrainingState parse_state(const std::string& text, const std::string& path) {
  try {
    const Json j = Json::parse(text);
    TrainingState s;
    s.step = j.at("step").get<int64_t>();
    s.loader.epoch = j.at("loader_epoch").get<int64_t>();
    s.loader.position = j.at("loader_position").get<int64_t>();
    s.dropout_calls = j.at("dropout_calls").get<uint64_t>();
    s.window_loss_sum = j.at("window_loss_sum").get<double>();
    s.window_steps = j.at("window_steps").get<int64_t>();
    // Absent from checkpoints written before mixed precision: those runs had no scaler.
    s.loss_scaler.scale = j.value("loss_scale", 0.0);
    s.loss_scaler.good_steps = j.value("loss_scale_good_steps", int64_t{0});
    s.skipped_steps = j.value("skipped_steps", int64_t{0});
    return s;
  } catch (const Json::exception& e) {
    NIMBUS_THROW(ParseError, "checkpoint '", path, "': bad training state: ", e.what());
  }
}

}  // namespace

CheckpointStore::CheckpointStore(std::string run_dir) : folder_((fs::path(run_dir) / "checkpoints").string()) {}

std::string CheckpointStore::save(const TrainingState& state, const nn::Module& model,
                                  const optim::Optimizer& optimizer, const std::string& model_yaml,
                                  int64_t keep) const {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  NIMBUS_CHECK_T(IOError, !ec, "cannot create '", folder_, "': ", ec.message());
  NamedTensors tensors;
  for (const auto& [name, t] : model.state_dict()) tensors.emplace_back("model." + name, t);
  for (const auto& [name, t] : optimizer.state_dict()) tensors.emplace_back("optimizer." + name, t);
  const std::string path = (fs::path(folder_) / checkpoint_name(state.step)).string();
  const SafetensorsMetadata metadata{{kStateKey, state_json(state)}, {kModelKey, model_yaml}};
  if (fault_requested(FaultPoint::in_checkpoint, state.step)) {
    // Die with half of the file written through the same atomic writer a save uses.
    const std::vector<uint8_t> bytes = serialize_safetensors(tensors, metadata);
    io::AtomicFileWriter partial(path);
    partial.write(bytes.data(), bytes.size() / 2);
    kill_self();
  }
  save_safetensors(path, tensors, metadata);
  io::write_file_atomically((fs::path(folder_) / "latest.json").string(),
                            Json{{"step", state.step}, {"file", checkpoint_name(state.step)}}.dump() + "\n");
  // Older checkpoints go only after latest.json names the new one.
  auto all = checkpoints_in(folder_);
  for (size_t i = 0; i + static_cast<size_t>(std::max<int64_t>(keep, 1)) < all.size(); ++i) fs::remove(all[i].second, ec);
  return path;
}

std::optional<std::string> CheckpointStore::latest() const {
  std::ifstream in(fs::path(folder_) / "latest.json");
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    const Json j = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("file") && j["file"].is_string()) {
      const fs::path path = fs::path(folder_) / j["file"].get<std::string>();
      if (fs::is_regular_file(path)) return path.string();
    }
  }
  // No usable pointer: the newest checkpoint whose header reads.
  auto all = checkpoints_in(folder_);
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    try {
      (void)read_safetensors_header(it->second.string());
      return it->second.string();
    } catch (const Error&) {
    }
  }
  return std::nullopt;
}

TrainingState CheckpointStore::load(const std::string& path, nn::Module& model, optim::Optimizer* optimizer,
                                    const std::string& model_yaml) const {
  const SafetensorsFile file = load_safetensors(path);
  const auto saved_model = file.metadata.find(kModelKey);
  const auto saved_state = file.metadata.find(kStateKey);
  NIMBUS_CHECK_T(ParseError, saved_model != file.metadata.end() && saved_state != file.metadata.end(), "'", path,
                 "' is not a nimbus checkpoint (its metadata has no ", kStateKey, " and ", kModelKey, ")");
  NIMBUS_CHECK_T(ConfigError, saved_model->second == model_yaml, "checkpoint '", path,
                 "' holds a different model than the config.\ncheckpoint's model:\n", saved_model->second,
                 "config's model:\n", model_yaml);
  nn::StateDict model_state, optimizer_state;
  for (const auto& [name, t] : file.tensors) {
    if (name.starts_with("model.")) model_state.emplace_back(name.substr(6), t);
    else if (name.starts_with("optimizer.")) optimizer_state.emplace_back(name.substr(10), t);
  }
  model.load_state_dict(model_state);
  if (optimizer != nullptr) optimizer->load_state_dict(optimizer_state);
  return parse_state(saved_state->second, path);
}

void CheckpointStore::remove_stale_temporaries() const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".") && name.find(".tmp-") != std::string::npos) fs::remove(entry.path(), ec);
  }
}

}  // namespace nimbus::models
