#pragma once
// How text is split into words for the text jobs.
//
// alnum_lower (the default): a word is a maximal run of ASCII letters and digits, lower-cased;
//   every other byte (punctuation, spaces, any byte >= 0x80) separates words. "Don't" is "don"
//   and "t"; "naïve" is "na" and "ve".
// alnum: the same runs, case kept.
// whitespace: maximal runs of bytes other than space, tab, CR, LF, vertical tab and form feed,
//   case kept (what `tr -s '[:space:]' '\n'` gives).
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus::analytics::mapreduce {

enum class WordRule : uint8_t { alnum_lower, alnum, whitespace };

// "alnum-lower", "alnum", "whitespace"; ConfigError listing them for anything else.
NIMBUS_API WordRule parse_word_rule(std::string_view name);
NIMBUS_API std::string_view word_rule_name(WordRule rule);

// Whether byte c is part of a word under `rule`. Host and device code (the Mars strategy's map
// tasks call it on a GPU), so both engines split words by this one definition.
NIMBUS_HD inline bool is_word_byte(WordRule rule, unsigned char c) {
  if (rule == WordRule::whitespace) return !(c == ' ' || (c >= '\t' && c <= '\r'));
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

// Calls f(word) for every word of `text`, in order.
template <typename F>
void for_each_word(WordRule rule, std::string_view text, F&& f) {
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    while (i < n && !is_word_byte(rule, static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < n && is_word_byte(rule, static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) f(text.substr(start, i - start));
  }
}

// ASCII lower-casing in place (the alnum_lower rule lower-cases whole blocks before splitting, so
// words stay views into the text).
NIMBUS_API void ascii_lower_in_place(std::string& text);

}  // namespace nimbus::analytics::mapreduce
