#include "serve/model_repository.h"

#include <filesystem>

#include "runtime/error.h"
#include "serve/http_error.h"
#include "serve/model_names.h"

namespace fs = std::filesystem;

namespace nimbus::serve {

ModelRepository::ModelRepository(std::vector<ModelVersion> versions) {
  for (ModelVersion& v : versions) {
    const std::string name = v.model;
    const int64_t number = v.version;
    models_[name].emplace(number, std::move(v));
  }
}

ModelRepository ModelRepository::open(const std::string& root, Device device) {
  std::error_code error;
  NIMBUS_CHECK_T(IOError, fs::is_directory(root, error), "the model repository '", root,
                 "' is not a folder (expected DIR/<model>/<version>/, written by nimbus export)");
  std::vector<ModelVersion> versions;
  for (const fs::directory_entry& model_dir : fs::directory_iterator(root)) {
    const std::string name = model_dir.path().filename().string();
    if (!model_dir.is_directory() || !is_valid_model_name(name)) continue;
    for (const fs::directory_entry& version_dir : fs::directory_iterator(model_dir.path())) {
      const std::optional<int64_t> number = parse_version(version_dir.path().filename().string());
      if (!version_dir.is_directory() || !number) continue;
      ModelVersion v{name, *number, version_dir.path().string(), nullptr};
      try {
        v.served = ServedModel::load(v.folder, device);
      } catch (const Error& e) {
        NIMBUS_THROW(IOError, "cannot load model '", name, "' version ", *number, ": ", e.what());
      }
      versions.push_back(std::move(v));
    }
  }
  NIMBUS_CHECK_T(IOError, !versions.empty(), "the model repository '", root,
                 "' holds no model (expected DIR/<model>/<version>/, written by nimbus export)");
  return ModelRepository(std::move(versions));
}

std::vector<std::string> ModelRepository::models() const {
  std::vector<std::string> names;
  for (const auto& [name, versions] : models_) names.push_back(name);
  return names;
}

std::vector<int64_t> ModelRepository::versions(std::string_view model) const {
  std::vector<int64_t> numbers;
  const auto it = models_.find(model);
  if (it != models_.end())
    for (const auto& [number, v] : it->second) numbers.push_back(number);
  return numbers;
}

const ModelVersion& ModelRepository::find(std::string_view model, std::string_view version) const {
  if (!is_valid_model_name(model))
    throw HttpError(400, std::string("invalid model name '").append(model).append(
                             "': use letters, digits, '_', '-' and '.' (not first)"));
  const auto it = models_.find(model);
  if (it == models_.end()) throw HttpError(404, std::string("unknown model '").append(model).append("'"));
  if (version.empty()) return it->second.rbegin()->second;
  const std::optional<int64_t> number = parse_version(version);
  if (!number)
    throw HttpError(400, std::string("invalid version '").append(version).append("': expected a number such as 1"));
  const auto v = it->second.find(*number);
  if (v == it->second.end())
    throw HttpError(404, std::string("unknown version ").append(version).append(" of model '").append(model).append("'"));
  return v->second;
}

}  // namespace nimbus::serve
