// The directory source: every file that appears in a folder is read once, as one CSV file.
//
// Rules for writers: a file must be complete when its name appears. Write it elsewhere (or under a
// name starting with '.' or '_', which the source ignores) and rename it into place; rename is
// atomic, so the source never sees half a file. Files must stay until their batch is committed
// (a restart re-reads the uncommitted batch). Names, not times, order the files: give them names
// that sort in arrival order (a zero-padded counter or a timestamp).
//
// The offsets of a batch are the names of its files; the set consumed is the union of the offset
// log, rebuilt on restart.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "analytics/csv/csv_reader.h"
#include "analytics/stream/stream_source.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {

namespace fs = std::filesystem;

namespace {

class DirectorySource final : public StreamSource {
 public:
  DirectorySource(std::string folder, CsvReadOptions csv, SourceLimits limits)
      : folder_(std::move(folder)), csv_(std::move(csv)), limits_(limits) {
    NIMBUS_CHECK_T(IOError, fs::is_directory(folder_), "stream: source folder '", folder_, "' does not exist");
  }

  bool replayable() const override { return true; }

  std::string describe() const override {
    std::string d = "directory ";
    d += folder_;
    return d;
  }

  std::optional<std::string> plan_next() override {
    std::vector<std::string> fresh;
    for (const auto& entry : fs::directory_iterator(folder_)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name[0] == '.' || name[0] == '_' || !entry.is_regular_file()) continue;
      if (!consumed_.contains(name)) fresh.push_back(name);
    }
    if (fresh.empty()) return std::nullopt;
    std::sort(fresh.begin(), fresh.end());
    if (limits_.max_files_per_batch > 0 && static_cast<int64_t>(fresh.size()) > limits_.max_files_per_batch)
      fresh.resize(static_cast<size_t>(limits_.max_files_per_batch));
    return nlohmann::json{{"files", fresh}}.dump();
  }

  void mark_consumed(const std::string& offsets) override {
    for (const auto& f : files(offsets)) consumed_.insert(f);
  }

  std::string merge_offsets(const std::vector<std::string>& offsets) const override {
    std::set<std::string> all;
    for (const std::string& o : offsets)
      for (auto& f : files(o)) all.insert(std::move(f));
    return nlohmann::json{{"files", std::vector<std::string>(all.begin(), all.end())}}.dump();
  }

  SourceBatch read(const std::string& offsets) override {
    SourceBatch batch;
    for (const auto& name : files(offsets)) {
      const std::string path = (fs::path(folder_) / name).string();
      struct stat info {};
      NIMBUS_CHECK_T(IOError, ::stat(path.c_str(), &info) == 0, "stream: file '", path,
                     "' of a logged batch is gone; keep source files until their batch is committed");
      const double arrival = static_cast<double>(info.st_mtim.tv_sec) + 1e-9 * static_cast<double>(info.st_mtim.tv_nsec);
      if (batch.oldest_arrival == 0 || arrival < batch.oldest_arrival) batch.oldest_arrival = arrival;
      batch.bytes += info.st_size;
      Table table = read_csv(path, csv_).table;
      if (table.num_rows() > 0) batch.parts.push_back(std::move(table));
    }
    return batch;
  }

 private:
  static std::vector<std::string> files(const std::string& offsets) {
    const nlohmann::json j = nlohmann::json::parse(offsets, nullptr, false);
    NIMBUS_CHECK_T(ParseError, j.is_object() && j.contains("files") && j["files"].is_array(),
                   "stream: directory offsets are not {\"files\": [...]}: ", offsets);
    return j["files"].get<std::vector<std::string>>();
  }

  std::string folder_;
  CsvReadOptions csv_;
  SourceLimits limits_;
  std::set<std::string> consumed_;
};

}  // namespace

std::unique_ptr<StreamSource> make_directory_source(std::string folder, CsvReadOptions csv, SourceLimits limits) {
  return std::make_unique<DirectorySource>(std::move(folder), std::move(csv), limits);
}

}  // namespace nimbus::analytics::stream
