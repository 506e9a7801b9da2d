#pragma once
// A character vocabulary: ids 0..size-1 stand for distinct bytes in increasing byte order.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::data {

class NIMBUS_API Vocabulary {
 public:
  // The sorted distinct bytes of `text`.
  static Vocabulary of_text(std::string_view text);
  // `symbols` in id order; throws ConfigError unless they are distinct and increasing.
  explicit Vocabulary(std::string symbols);

  int64_t size() const { return static_cast<int64_t>(symbols_.size()); }
  const std::string& symbols() const { return symbols_; }
  bool contains(char c) const { return ids_[static_cast<unsigned char>(c)] >= 0; }

  // Ids of the characters of `text`; throws ParseError naming the first character not in the
  // vocabulary and its position.
  std::vector<int64_t> encode(std::string_view text) const;
  // The characters of `ids`; throws ShapeError for an id outside 0..size-1.
  std::string decode(std::span<const int64_t> ids) const;

 private:
  std::string symbols_;
  std::array<int16_t, 256> ids_{};  // byte -> id, -1 for bytes not in the vocabulary
};

}  // namespace nimbus::data
