#pragma once
// StringDictionary: dense codes 0, 1, 2, ... for strings, by first appearance. Key encoding codes
// string keys with it (Note [Key words]), and so does code_strings (string_codes.h) for the
// columns that code on demand (Note [String codes] in column.h).
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::analytics::detail {

// Codes for strings, numbered by first appearance: an open-addressing
// table (linear probing) of 8-byte (hash tag, code) slots, with each distinct string's bytes copied
// into the table's own buffer. A probe compares the tag first and then bytes the table owns,
// packed together, instead of reaching back to the string's first row somewhere in a large
// column; for the hundreds to tens of thousands of distinct keys of a typical group-by the slots
// stay in cache.
class StringDictionary {
 public:
  StringDictionary() {
    starts_.push_back(0);
    rehash(64);
  }

  uint64_t code(std::string_view text) {
    if ((hashes_.size() + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    const uint64_t hash = hash_bytes(text);
    const auto tag = static_cast<uint32_t>(hash);
    for (size_t i = hash >> shift_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.code == kEmpty) {
        slot = {tag, static_cast<uint32_t>(hashes_.size())};
        hashes_.push_back(hash);
        bytes_.append(text);
        starts_.push_back(bytes_.size());
        return slot.code;
      }
      if (slot.tag == tag) {
        const size_t start = starts_[slot.code], length = starts_[slot.code + 1] - start;
        if (length == text.size() && same_bytes(bytes_.data() + start, text.data(), length)) return slot.code;
      }
    }
  }

  int64_t size() const { return static_cast<int64_t>(hashes_.size()); }
  std::string_view text(int64_t code) const {
    const auto c = static_cast<size_t>(code);
    return {bytes_.data() + starts_[c], starts_[c + 1] - starts_[c]};
  }

 private:
  static constexpr uint32_t kEmpty = ~uint32_t{0};
  struct Slot {
    uint32_t tag = 0;  // the hash's low bits (the slot's position comes from its top bits)
    uint32_t code = kEmpty;
  };

  // Fixed-size loads only (a variable-length memcpy would be a call and a stalled store-to-load
  // forward per string): whole 8-byte words, then the tail as one word built from two
  // overlapping loads, which covers every tail byte for a given length.
  static uint64_t load8(const char* p) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    return word;
  }
  static uint64_t load4(const char* p) {
    uint32_t word;
    std::memcpy(&word, p, 4);
    return word;
  }
  static uint64_t tail_word(const char* p, size_t n) {  // n < 8
    if (n >= 4) return load4(p) | (load4(p + n - 4) << 32);
    if (n > 0) {
      return static_cast<uint64_t>(static_cast<uint8_t>(p[0])) |
             (static_cast<uint64_t>(static_cast<uint8_t>(p[n / 2])) << 8) |
             (static_cast<uint64_t>(static_cast<uint8_t>(p[n - 1])) << 16);
    }
    return 0;
  }

  // The length seeds the hash, so strings whose words coincide ("a" and "a\0") still differ.
  static uint64_t hash_bytes(std::string_view text) {
    const char* p = text.data();
    size_t n = text.size();
    uint64_t hash = 0x9e3779b97f4a7c15ULL ^ n;
    while (n >= 8) {
      hash = (hash ^ load8(p)) * 0xff51afd7ed558ccdULL;
      hash ^= hash >> 32;
      p += 8;
      n -= 8;
    }
    hash = (hash ^ tail_word(p, n)) * 0xc4ceb9fe1a85ec53ULL;
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    return hash ^ (hash >> 29);
  }

  // Bytes a and b, both n long, are equal (inline: keys are short).
  static bool same_bytes(const char* a, const char* b, size_t n) {
    if (n >= 8) {
      for (size_t i = 0; i + 8 <= n; i += 8) {
        if (load8(a + i) != load8(b + i)) return false;
      }
      return load8(a + n - 8) == load8(b + n - 8);
    }
    if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }

  void rehash(size_t capacity) {
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    for (size_t code = 0; code < hashes_.size(); ++code) {
      size_t i = hashes_[code] >> shift_;
      while (slots_[i].code != kEmpty) i = (i + 1) & mask_;
      slots_[i] = {static_cast<uint32_t>(hashes_[code]), static_cast<uint32_t>(code)};
    }
  }

  std::vector<Slot> slots_;  // a power of two, at most half full
  size_t mask_ = 0;
  int shift_ = 64;  // a slot's home is the top bits of the hash (the best mixed ones)
  std::vector<uint64_t> hashes_;  // by code
  std::vector<size_t> starts_;    // code c's bytes are bytes_[starts_[c], starts_[c + 1])
  std::string bytes_;
};

}  // namespace nimbus::analytics::detail
