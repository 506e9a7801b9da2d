#include "analytics/stream/yaml_fields.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "analytics/stream/duration.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {

namespace {

std::string yaml_text(const YAML::Node& node) {
  if (node.IsScalar()) {
    std::string s = "'";
    s += node.Scalar();
    s += "'";
    return s;
  }
  if (node.IsNull()) return "nothing";
  YAML::Emitter out;
  out << YAML::Flow << node;
  std::string text = out.c_str();
  if (text.size() > 60) {
    text.resize(57);
    text += "...";
  }
  return text;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

}  // namespace

void ConfigMessages::add(const YAML::Node& at, const std::string& key, const std::string& message) {
  std::ostringstream line;
  line << source_;
  const YAML::Mark mark = at.Mark();
  if (!mark.is_null()) line << ":" << mark.line + 1;
  line << ": " << key << ": " << message;
  messages_.push_back(line.str());
}

void ConfigMessages::throw_if_any() const {
  if (messages_.empty()) return;
  std::ostringstream text;
  text << messages_.size() << (messages_.size() == 1 ? " problem" : " problems") << " in the stream config:";
  for (const auto& m : messages_) text << "\n  " << m;
  throw ConfigError(text.str());
}

YamlFields::YamlFields(YAML::Node node, std::string path, ConfigMessages& messages)
    : node_(std::move(node)), path_(std::move(path)), messages_(messages) {}

bool YamlFields::has(const std::string& key) const { return node_.IsMap() && node_[key].IsDefined(); }

std::string YamlFields::key_path(const std::string& key) const {
  if (path_.empty()) return key;
  std::string p = path_;
  p += ".";
  p += key;
  return p;
}

void YamlFields::note(const std::string& key) {
  if (std::find(read_keys_.begin(), read_keys_.end(), key) == read_keys_.end()) read_keys_.push_back(key);
}

void YamlFields::bad(const std::string& key, const YAML::Node& value, const std::string& expected) {
  std::string message = "expected ";
  message += expected;
  message += ", got ";
  message += yaml_text(value);
  messages_.add(value, key_path(key), message);
}

bool YamlFields::scalar(const std::string& key, YAML::Node& value) {
  note(key);
  if (!has(key)) return false;
  value = node_[key];
  if (!value.IsScalar()) {
    bad(key, value, "a single value");
    return false;
  }
  return true;
}

void YamlFields::read(const std::string& key, std::string& out, const std::vector<std::string>& allowed) {
  YAML::Node value;
  if (!scalar(key, value)) return;
  const std::string& v = value.Scalar();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
    std::string expected = "one of ";
    expected += join(allowed);
    return bad(key, value, expected);
  }
  if (v.empty()) return bad(key, value, "a non-empty text");
  out = v;
}

void YamlFields::read(const std::string& key, int64_t& out, int64_t min) {
  YAML::Node value;
  if (!scalar(key, value)) return;
  int64_t v = 0;
  std::string expected = "an integer >= ";
  expected += std::to_string(min);
  if (!YAML::convert<int64_t>::decode(value, v) || v < min) return bad(key, value, expected);
  out = v;
}

void YamlFields::read(const std::string& key, bool& out) {
  YAML::Node value;
  if (!scalar(key, value)) return;
  bool v = false;
  if (!YAML::convert<bool>::decode(value, v)) return bad(key, value, "true or false");
  out = v;
}

void YamlFields::read_duration(const std::string& key, int64_t& out, int64_t min_us) {
  YAML::Node value;
  if (!scalar(key, value)) return;
  const auto v = parse_duration(value.Scalar());
  if (!v) return bad(key, value, std::string(kDurationForms));
  if (*v < min_us) {
    std::string expected = "a duration of at least ";
    expected += min_us == 1 ? "1us" : format_duration(min_us);
    return bad(key, value, expected);
  }
  out = *v;
}

void YamlFields::read(const std::string& key, std::vector<std::string>& out) {
  note(key);
  if (!has(key)) return;
  const YAML::Node value = node_[key];
  if (!value.IsSequence()) return bad(key, value, "a list of names such as [a, b]");
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& item : value) {
    if (!item.IsScalar() || item.Scalar().empty()) return bad(key, value, "a list of non-empty names");
    if (!seen.insert(item.Scalar()).second) {
      std::string message = "'";
      message += item.Scalar();
      message += "' appears twice";
      messages_.add(item, key_path(key), message);
      return;
    }
    names.push_back(item.Scalar());
  }
  out = std::move(names);
}

void YamlFields::require(const std::string& key) {
  note(key);
  if (!has(key)) messages_.add(node_, key_path(key), "missing (required)");
}

void YamlFields::report(const std::string& key, const std::string& message) {
  messages_.add(has(key) ? node_[key] : node_, key_path(key), message);
}

YamlFields YamlFields::section(const std::string& key) {
  note(key);
  if (has(key) && !node_[key].IsMap()) {
    bad(key, node_[key], "a mapping of keys to values");
    return YamlFields(YAML::Node(YAML::NodeType::Map), key_path(key), messages_);
  }
  return YamlFields(has(key) ? node_[key] : YAML::Node(YAML::NodeType::Map), key_path(key), messages_);
}

std::vector<YamlFields> YamlFields::list_of_sections(const std::string& key) {
  note(key);
  std::vector<YamlFields> out;
  if (!has(key)) return out;
  const YAML::Node value = node_[key];
  if (!value.IsSequence()) {
    bad(key, value, "a list of mappings");
    return out;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    std::string path = key_path(key);
    path += "[";
    path += std::to_string(i);
    path += "]";
    if (!value[i].IsMap()) {
      messages_.add(value[i], path, "expected a mapping such as {function: avg, column: value}");
      continue;
    }
    out.emplace_back(value[i], path, messages_);
  }
  return out;
}

std::vector<std::string> YamlFields::keys() const {
  std::vector<std::string> out;
  if (node_.IsMap())
    for (const auto& entry : node_) out.push_back(entry.first.as<std::string>());
  return out;
}

void YamlFields::reject_unknown(const std::string& owner) {
  for (const std::string& key : keys()) {
    if (std::find(read_keys_.begin(), read_keys_.end(), key) != read_keys_.end()) continue;
    std::string message = "unknown key; ";
    message += owner;
    message += " takes: ";
    message += join(read_keys_);
    messages_.add(node_[key], key_path(key), message);
  }
}

}  // namespace nimbus::analytics::stream
