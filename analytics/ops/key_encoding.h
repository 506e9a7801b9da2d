#pragma once
// Multi-column keys as rows of 64-bit words, hashed and compared the same way by distinct,
// group_by and join (Note [Key words]).
//
// Note [Key words]
// Each key row becomes `width` words, one per key column, and one more word of null flags (bit c
// for key column c) when NULLs group together and some key column has nulls. Two rows have equal
// keys exactly when their words are equal, so the hash tables hash and compare plain words whatever
// the column types:
// - integers, dates and timestamps: the value widened to int64 (an int32 key can join an int64 one);
// - floats: the value as float64, with -0.0 folded into 0.0 and every NaN into one NaN, so they
//   group together as in DuckDB;
// - bools: 0 or 1;
// - strings: a code from a dictionary shared by the key sets encoded together (both sides of a
//   join), numbered by first appearance. Only the dictionary build touches the characters. A
//   single key set (group-by, distinct) takes a column's own codes when it carries them or codes
//   on demand (Note [String codes] in column.h): equal exactly when the strings are, which is all a
//   key needs.
// A null's value word is 0. With NullKeys::never_match (joins: NULL never equals NULL) no null word
// is written; rows with a null key are marked `skip` instead.
#include <cstdint>
#include <vector>

#include "analytics/column.h"
#include "analytics/ops/hash_mix.h"

namespace nimbus::analytics::detail {

enum class NullKeys { group_together, never_match };

struct EncodedKeys {
  int64_t rows = 0;
  int width = 0;                 // words per row
  std::vector<uint64_t> words;   // rows * width, row-major
  std::vector<uint64_t> hashes;  // one per row
  std::vector<uint8_t> skip;     // never_match: 1 for rows with a null key; empty when there are none

  const uint64_t* row(int64_t i) const { return words.data() + i * width; }
  bool skipped(int64_t i) const { return !skip.empty() && skip[static_cast<size_t>(i)] != 0; }
};

// The hash of a row of words; any width, 0 included.
inline uint64_t hash_words(const uint64_t* words, int width) {
  uint64_t hash = 0x9e3779b97f4a7c15ULL;
  for (int w = 0; w < width; ++w) hash = mix64(hash ^ words[w]) + 0x9e3779b97f4a7c15ULL;
  return mix64(hash);
}

// Whether columns of types a and b can be compared as keys (same type, or both integers, or both
// floats).
bool keys_comparable(DataType a, DataType b);

// Encodes each key set (one or more columns of equal length; every set with as many columns, of
// comparable types) with string dictionaries shared across the sets. Without `with_hashes` the
// hashes are left empty (for callers that may not need them; hash_keys fills them in later).
std::vector<EncodedKeys> encode_key_sets(const std::vector<std::vector<Column>>& sets, NullKeys nulls, int threads,
                                         bool with_hashes = true);
inline EncodedKeys encode_keys(const std::vector<Column>& columns, NullKeys nulls, int threads,
                               bool with_hashes = true) {
  return std::move(encode_key_sets({columns}, nulls, threads, with_hashes)[0]);
}
// Fills in keys.hashes: hash_words of every row.
void hash_keys(EncodedKeys& keys, int threads);
// `keys` with one word in front of each row: row i gets prefix[i]. DISTINCT aggregates key the
// pairs (group, value) this way.
EncodedKeys prepend_word(const EncodedKeys& keys, const std::vector<int64_t>& prefix, int threads);

}  // namespace nimbus::analytics::detail
