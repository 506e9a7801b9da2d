#include "models/data/vocabulary.h"

#include <cstdio>

#include "runtime/error.h"

namespace nimbus::data {

namespace {

// 'a' for printable bytes, byte 0x0a otherwise, so a newline or a stray binary byte stays readable.
std::string byte_text(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f) return std::string("'") + c + "'";
  char hex[16];
  std::snprintf(hex, sizeof hex, "byte 0x%02x", byte);
  return hex;
}

}  // namespace

Vocabulary Vocabulary::of_text(std::string_view text) {
  std::array<bool, 256> seen{};
  for (const char c : text) seen[static_cast<unsigned char>(c)] = true;
  std::string symbols;
  for (int byte = 0; byte < 256; ++byte) {
    if (seen[static_cast<size_t>(byte)]) symbols += static_cast<char>(byte);
  }
  return Vocabulary(std::move(symbols));
}

Vocabulary::Vocabulary(std::string symbols) : symbols_(std::move(symbols)) {
  ids_.fill(-1);
  for (size_t i = 0; i < symbols_.size(); ++i) {
    const auto byte = static_cast<unsigned char>(symbols_[i]);
    NIMBUS_CHECK_T(ConfigError, i == 0 || static_cast<unsigned char>(symbols_[i - 1]) < byte,
                   "vocabulary: symbols must be distinct bytes in increasing order; ", byte_text(symbols_[i]),
                   " at position ", i, " follows ", byte_text(symbols_[i - 1]));
    ids_[byte] = static_cast<int16_t>(i);
  }
}

std::vector<int64_t> Vocabulary::encode(std::string_view text) const {
  std::vector<int64_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const int16_t id = ids_[static_cast<unsigned char>(text[i])];
    NIMBUS_CHECK_T(ParseError, id >= 0, "vocabulary: ", byte_text(text[i]), " at position ", i,
                   " of the text is not one of the ", size(), " characters of the vocabulary");
    ids[i] = id;
  }
  return ids;
}

std::string Vocabulary::decode(std::span<const int64_t> ids) const {
  std::string text(ids.size(), '\0');
  for (size_t i = 0; i < ids.size(); ++i) {
    NIMBUS_CHECK_T(ShapeError, ids[i] >= 0 && ids[i] < size(), "vocabulary: id ", ids[i], " at position ", i,
                   " is outside 0..", size() - 1);
    text[i] = symbols_[static_cast<size_t>(ids[i])];
  }
  return text;
}

}  // namespace nimbus::data
