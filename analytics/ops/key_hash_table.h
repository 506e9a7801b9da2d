#pragma once
// An open-addressing hash table (linear probing) from key rows to dense ids 0, 1, 2, ... in the
// order keys are first inserted. Slots hold (hash, id); the table keeps its own copy of each
// key's words, id after id, so a probe compares against memory the table owns (a handful of cache
// lines) instead of reaching back to the key's first row somewhere in a large input. The table
// keeps a pointer to the EncodedKeys it inserts rows from, which must outlive it and stay in place.
#include <cstdint>
#include <utility>
#include <vector>

#include "analytics/ops/key_encoding.h"

namespace nimbus::analytics::detail {

class KeyHashTable {
 public:
  explicit KeyHashTable(const EncodedKeys& keys) : keys_(&keys) { rehash(16); }

  // The id of the key of `row`, and whether this call added it.
  std::pair<int64_t, bool> insert(int64_t row) {
    if ((size() + 1) * 2 > static_cast<int64_t>(slots_.size())) rehash(slots_.size() * 2);
    const uint64_t hash = keys_->hashes[static_cast<size_t>(row)];
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.id < 0) {
        slot = {hash, size()};
        first_rows_.push_back(row);
        key_words_.insert(key_words_.end(), keys_->row(row), keys_->row(row) + keys_->width);
        return {slot.id, true};
      }
      if (slot.hash == hash && same_key(slot.id, keys_->row(row))) return {slot.id, false};
    }
  }

  // The id of the key of row `row` of `probe` (same width as the table's keys), or -1.
  int64_t find(const EncodedKeys& probe, int64_t row) const {
    const uint64_t hash = probe.hashes[static_cast<size_t>(row)];
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id < 0) return -1;
      if (slot.hash == hash && same_key(slot.id, probe.row(row))) return slot.id;
    }
  }

  // Room for `keys` keys without growing (Note [Sized partition tables] in group_index.cpp).
  void reserve(int64_t keys) {
    size_t capacity = slots_.size();
    while (static_cast<int64_t>(capacity) < keys * 2) capacity *= 2;
    if (capacity > slots_.size()) rehash(capacity);
    first_rows_.reserve(static_cast<size_t>(keys));
    key_words_.reserve(static_cast<size_t>(keys * keys_->width));
  }

  int64_t size() const { return static_cast<int64_t>(first_rows_.size()); }
  // The first row inserted with each id.
  const std::vector<int64_t>& first_rows() const { return first_rows_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    int64_t id = -1;  // -1: empty
  };

  bool same_key(int64_t id, const uint64_t* words) const {
    const uint64_t* stored = key_words_.data() + id * keys_->width;
    for (int w = 0; w < keys_->width; ++w) {
      if (stored[w] != words[w]) return false;
    }
    return true;
  }

  void rehash(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& slot : old) {
      if (slot.id < 0) continue;
      size_t i = slot.hash & mask_;
      while (slots_[i].id >= 0) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }

  const EncodedKeys* keys_;
  std::vector<Slot> slots_;  // a power of two, at most half full
  size_t mask_ = 0;
  std::vector<int64_t> first_rows_;
  std::vector<uint64_t> key_words_;  // width words per id
};

}  // namespace nimbus::analytics::detail
