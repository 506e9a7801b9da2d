#pragma once
// Checked reads of a YAML mapping for the stream config, in the style of the training configs
// (models/config/yaml_section.h, which this layer cannot use): every problem names the dotted key,
// the line, the bad value and what was expected; problems are collected, so a config with three
// mistakes gets three messages; keys nobody read are reported as unknown.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace nimbus::analytics::stream {

class ConfigMessages {
 public:
  explicit ConfigMessages(std::string source) : source_(std::move(source)) {}
  void add(const YAML::Node& at, const std::string& key, const std::string& message);
  // Throws ConfigError listing every message, when there is any.
  void throw_if_any() const;
  bool empty() const { return messages_.empty(); }

 private:
  std::string source_;
  std::vector<std::string> messages_;
};

class YamlFields {
 public:
  YamlFields(YAML::Node node, std::string path, ConfigMessages& messages);

  bool has(const std::string& key) const;
  std::string key_path(const std::string& key) const;
  // Each read leaves `out` unchanged when the key is absent or bad (and reports the latter).
  void read(const std::string& key, std::string& out, const std::vector<std::string>& allowed = {});
  void read(const std::string& key, int64_t& out, int64_t min);
  void read(const std::string& key, bool& out);
  // A duration ("10 seconds", "500ms"); `min_us` is the smallest allowed.
  void read_duration(const std::string& key, int64_t& out, int64_t min_us);
  // A list of distinct non-empty names.
  void read(const std::string& key, std::vector<std::string>& out);
  void require(const std::string& key);
  void report(const std::string& key, const std::string& message);
  // A nested mapping (empty when absent; reported when present but not a mapping).
  YamlFields section(const std::string& key);
  // The entries of a list of mappings (reported when present but not such a list).
  std::vector<YamlFields> list_of_sections(const std::string& key);
  // The keys present, in file order.
  std::vector<std::string> keys() const;
  const YAML::Node& node() const { return node_; }
  // Reports every key not read; `owner` names whose keys are allowed ("source kind 'file'").
  void reject_unknown(const std::string& owner);

 private:
  bool scalar(const std::string& key, YAML::Node& value);
  void note(const std::string& key);
  void bad(const std::string& key, const YAML::Node& value, const std::string& expected);

  YAML::Node node_;
  std::string path_;
  ConfigMessages& messages_;
  std::vector<std::string> read_keys_;
};

}  // namespace nimbus::analytics::stream
