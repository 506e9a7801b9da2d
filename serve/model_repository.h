#pragma once
// The models a server offers: DIR/<model>/<version>/ folders, each an exported model (Note
// [Exported model] in model_export.h). Every version is loaded when the repository is opened, so
// a broken export is reported at start-up rather than on the first request. Folders whose names
// are not valid model names or versions (serve/model_names.h), hidden folders included (an export
// in progress), are skipped. Lookups never touch the file system: a name from a URL is only
// compared with the names found here.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/device.h"
#include "serve/served_model.h"

namespace nimbus::serve {

struct ModelVersion {
  std::string model;
  int64_t version = 0;
  std::string folder;
  std::shared_ptr<ServedModel> served;
};

class NIMBUS_API ModelRepository {
 public:
  // Scans `root` and loads every version onto `device`. Throws IOError when `root` is not a folder
  // or holds no model, and the loading error (naming the folder) when a version cannot be loaded.
  static ModelRepository open(const std::string& root, Device device);
  // A repository of already loaded versions (tests).
  explicit ModelRepository(std::vector<ModelVersion> versions);

  // The model names, sorted.
  std::vector<std::string> models() const;
  // A model's versions, ascending; empty for an unknown model.
  std::vector<int64_t> versions(std::string_view model) const;
  // `version` of `model`, or its newest version when `version` is empty. Throws HttpError: 400 for
  // a name or version that is not valid, 404 for an unknown model or version.
  const ModelVersion& find(std::string_view model, std::string_view version = {}) const;
  // Every loaded version, by model then version.
  const std::map<std::string, std::map<int64_t, ModelVersion>, std::less<>>& all() const { return models_; }

 private:
  std::map<std::string, std::map<int64_t, ModelVersion>, std::less<>> models_;
};

}  // namespace nimbus::serve
