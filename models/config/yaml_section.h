#pragma once
// Reading one mapping of a YAML config with checks: every read names the dotted key, the line, the
// bad value and what is allowed, and problems are collected rather than thrown, so a config with
// five mistakes gets five messages in one run. Keys nobody read are reported as unknown, with the
// closest known key as a suggestion.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::models {

class NIMBUS_API ConfigProblems {
 public:
  explicit ConfigProblems(std::string source) : source_(std::move(source)) {}
  void add(const YAML::Node& at, const std::string& key, const std::string& message);
  void add(const std::string& key, const std::string& message);
  // A message that already starts with its key ("model.width: ...").
  void add(const std::string& keyed_message);
  bool empty() const { return messages_.empty(); }
  // Keys given with --set: their problems name the override rather than a line of the file.
  void mark_overridden(const std::string& key) { overridden_.insert(key); }
  // Throws ConfigError with every message, one per line, when there is any.
  void throw_if_any() const;

 private:
  std::string source_;
  std::vector<std::string> messages_;
  std::set<std::string> overridden_;
};

class NIMBUS_API YamlSection {
 public:
  // `path` is the dotted name of this mapping ("" for the top level).
  YamlSection(YAML::Node node, std::string path, ConfigProblems& problems);

  bool has(const std::string& key) const;
  // Whether the value of `key` is a mapping (a nested section).
  bool is_mapping(const std::string& key) const;
  // The keys present, in file order (for sections whose keys are names the user chooses).
  std::vector<std::string> keys() const;
  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  // Each read leaves `out` unchanged when the key is absent or its value is bad.
  void read(const std::string& key, int64_t& out, int64_t min, int64_t max = INT64_MAX);
  void read(const std::string& key, uint64_t& out);
  void read(const std::string& key, double& out, double min, double max);
  void read(const std::string& key, bool& out);
  void read(const std::string& key, std::string& out, const std::vector<std::string>& allowed = {});
  void read(const std::string& key, std::vector<int64_t>& out, int64_t min, bool allow_empty = false);
  // A list of distinct non-empty names (e.g. column names), at least one.
  void read(const std::string& key, std::vector<std::string>& out);
  // A file path: relative paths start at `base_dir` (the config's folder); `out` becomes the
  // resolved path, and a file that does not exist is reported.
  void read_file_path(const std::string& key, std::string& out, const std::string& base_dir);
  // A required key: reports it missing when absent.
  void require(const std::string& key);
  // A problem with the value of `key` (placed at its line).
  void report(const std::string& key, const std::string& message);
  // A nested mapping (empty when absent; reported when present but not a mapping).
  YamlSection section(const std::string& key);

  // Reports every key that was not read; `owner` says whose keys were allowed, e.g. "model kind 'mlp'".
  void reject_unknown(const std::string& owner);

 private:
  // Records `key` as known to this section (for reject_unknown and its list of allowed keys).
  void note(const std::string& key);
  // The value of `key` when present and a scalar; reports otherwise.
  bool scalar(const std::string& key, YAML::Node& value);
  void bad(const std::string& key, const YAML::Node& value, const std::string& expected);

  YAML::Node node_;
  std::string path_;
  ConfigProblems& problems_;
  std::vector<std::string> read_keys_;
};

// YAML's text for a scalar or a short flow rendering of anything else, for messages.
std::string yaml_text(const YAML::Node& node);

}  // namespace nimbus::models
