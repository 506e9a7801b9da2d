#include "models/config/yaml_section.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "runtime/error.h"

namespace nimbus::models {

namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string yaml_text(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsNull()) return "nothing";
  YAML::Emitter out;
  out << YAML::Flow << node;
  std::string text = out.c_str();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

void ConfigProblems::add(const YAML::Node& at, const std::string& key, const std::string& message) {
  // A key set by --set (or inside one) has no line in the file.
  bool overridden = false;
  for (const auto& o : overridden_) overridden |= key == o || key.starts_with(o + ".");
  const YAML::Mark mark = at.Mark();
  const std::string where = overridden ? source_ + " (--set " + key + ")"
                            : mark.is_null() ? source_
                                             : source_ + ":" + std::to_string(mark.line + 1);
  messages_.push_back(where + ": " + key + ": " + message);
}

void ConfigProblems::add(const std::string& key, const std::string& message) {
  messages_.push_back(source_ + ": " + key + ": " + message);
}

void ConfigProblems::add(const std::string& keyed_message) { messages_.push_back(source_ + ": " + keyed_message); }

void ConfigProblems::throw_if_any() const {
  if (messages_.empty()) return;
  std::ostringstream text;
  text << messages_.size() << (messages_.size() == 1 ? " problem" : " problems") << " in the config:";
  for (const auto& m : messages_) text << "\n  " << m;
  throw ConfigError(text.str());
}

YamlSection::YamlSection(YAML::Node node, std::string path, ConfigProblems& problems)
    : node_(std::move(node)), path_(std::move(path)), problems_(problems) {}

bool YamlSection::has(const std::string& key) const { return node_.IsMap() && node_[key].IsDefined(); }

bool YamlSection::is_mapping(const std::string& key) const { return has(key) && node_[key].IsMap(); }

std::vector<std::string> YamlSection::keys() const {
  std::vector<std::string> out;
  if (!node_.IsMap()) return out;
  for (const auto& entry : node_) out.push_back(entry.first.as<std::string>());
  return out;
}

void YamlSection::bad(const std::string& key, const YAML::Node& value, const std::string& expected) {
  problems_.add(value, key_path(key), "expected " + expected + ", got " + yaml_text(value));
}

void YamlSection::note(const std::string& key) {
  if (std::find(read_keys_.begin(), read_keys_.end(), key) == read_keys_.end()) read_keys_.push_back(key);
}

bool YamlSection::scalar(const std::string& key, YAML::Node& value) {
  note(key);
  if (!has(key)) return false;
  value = node_[key];
  if (!value.IsScalar()) {
    bad(key, value, "a single value");
    return false;
  }
  return true;
}

void YamlSection::read(const std::string& key, int64_t& out, int64_t min, int64_t max) {
  YAML::Node value;
  if (!scalar(key, value)) return;
  int64_t v = 0;
  const std::string range = max == INT64_MAX ? "an integer >= " + std::to_string(min)
                                             : "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!YAML::convert<int64_t>::decode(value, v) || v < min || v > max) return bad(key, value, range);
  out = v;
}

void YamlSection::read(const std::string& key, uint64_t& out) {
  YAML::Node value;
  if (!scalar(key, value)) return;
  uint64_t v = 0;
  // yaml-cpp wraps negative numbers into uint64; a leading '-' is refused explicitly.
  if (value.Scalar().starts_with('-') || !YAML::convert<uint64_t>::decode(value, v))
    return bad(key, value, "a non-negative integer");
  out = v;
}

void YamlSection::read(const std::string& key, double& out, double min, double max) {
  YAML::Node value;
  if (!scalar(key, value)) return;
  double v = 0;
  std::ostringstream range;
  range << "a number in [" << min << ", " << max << "]";
  if (!YAML::convert<double>::decode(value, v) || !std::isfinite(v) || v < min || v > max)
    return bad(key, value, range.str());
  out = v;
}

void YamlSection::read(const std::string& key, bool& out) {
  YAML::Node value;
  if (!scalar(key, value)) return;
  bool v = false;
  if (!YAML::convert<bool>::decode(value, v)) return bad(key, value, "true or false");
  out = v;
}

void YamlSection::read(const std::string& key, std::string& out, const std::vector<std::string>& allowed) {
  YAML::Node value;
  if (!scalar(key, value)) return;
  const std::string& v = value.Scalar();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end())
    return bad(key, value, "one of " + join(allowed));
  if (allowed.empty() && v.empty()) return bad(key, value, "a non-empty text");
  out = v;
}

void YamlSection::read(const std::string& key, std::vector<int64_t>& out, int64_t min, bool allow_empty) {
  note(key);
  if (!has(key)) return;
  const YAML::Node value = node_[key];
  const std::string expected = std::string("a list of integers >= ") + std::to_string(min) +
                               (allow_empty ? "" : " (at least one)");
  if (!value.IsSequence() || (!allow_empty && value.size() == 0)) return bad(key, value, expected);
  std::vector<int64_t> items;
  for (const auto& item : value) {
    int64_t v = 0;
    if (!item.IsScalar() || !YAML::convert<int64_t>::decode(item, v) || v < min) return bad(key, value, expected);
    items.push_back(v);
  }
  out = std::move(items);
}

void YamlSection::read(const std::string& key, std::vector<std::string>& out) {
  note(key);
  if (!has(key)) return;
  const YAML::Node value = node_[key];
  const std::string expected = "a list of distinct names (at least one)";
  if (!value.IsSequence() || value.size() == 0) return bad(key, value, expected);
  std::vector<std::string> items;
  for (const auto& item : value) {
    if (!item.IsScalar() || item.Scalar().empty()) return bad(key, value, expected);
    if (std::find(items.begin(), items.end(), item.Scalar()) != items.end())
      return problems_.add(item, key_path(key), "'" + item.Scalar() + "' is listed twice");
    items.push_back(item.Scalar());
  }
  out = std::move(items);
}

void YamlSection::read_file_path(const std::string& key, std::string& out, const std::string& base_dir) {
  namespace fs = std::filesystem;
  std::string given;
  read(key, given);
  if (given.empty()) return;
  fs::path p(given);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  p = p.lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(p, ec))
    report(key, "file '" + p.string() + "' does not exist" +
                    (fs::path(given).is_relative() ? " (relative paths start at the config's folder)" : ""));
  out = p.string();
}

void YamlSection::report(const std::string& key, const std::string& message) {
  problems_.add(has(key) ? node_[key] : node_, key_path(key), message);
}

void YamlSection::require(const std::string& key) {
  note(key);
  if (!has(key)) problems_.add(node_, key_path(key), "is required");
}

YamlSection YamlSection::section(const std::string& key) {
  note(key);
  if (!has(key)) return YamlSection(YAML::Node(YAML::NodeType::Map), key_path(key), problems_);
  YAML::Node value = node_[key];
  if (!value.IsMap()) {
    bad(key, value, "a mapping of keys");
    return YamlSection(YAML::Node(YAML::NodeType::Map), key_path(key), problems_);
  }
  return YamlSection(value, key_path(key), problems_);
}

void YamlSection::reject_unknown(const std::string& owner) {
  if (!node_.IsMap()) return;
  for (const auto& entry : node_) {
    const std::string key = entry.first.as<std::string>();
    if (std::find(read_keys_.begin(), read_keys_.end(), key) != read_keys_.end()) continue;
    std::string hint;
    size_t best = 3;  // suggest only near misses
    for (const auto& known : read_keys_)
      if (const size_t d = edit_distance(key, known); d < best) best = d, hint = known;
    problems_.add(entry.first, key_path(key),
                  "unknown key for " + owner + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                      "; allowed: " + join(read_keys_));
  }
}

}  // namespace nimbus::models
