#include "analytics/mapreduce/words.h"

#include "runtime/error.h"

namespace nimbus::analytics::mapreduce {

WordRule parse_word_rule(std::string_view name) {
  if (name == "alnum-lower") return WordRule::alnum_lower;
  if (name == "alnum") return WordRule::alnum;
  if (name == "whitespace") return WordRule::whitespace;
  NIMBUS_THROW(ConfigError, "unknown word rule '", name, "'; the rules are alnum-lower (the default), alnum, whitespace");
}

std::string_view word_rule_name(WordRule rule) {
  switch (rule) {
    case WordRule::alnum_lower: return "alnum-lower";
    case WordRule::alnum: return "alnum";
    case WordRule::whitespace: return "whitespace";
  }
  return "";
}

void ascii_lower_in_place(std::string& text) {
  // Branch-free so the loop vectorizes: bytes 'A'..'Z' get bit 0x20 set.
  for (char& ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    ch = static_cast<char>(c | (static_cast<unsigned char>(c - 'A') < 26 ? 0x20 : 0));
  }
}

}  // namespace nimbus::analytics::mapreduce
