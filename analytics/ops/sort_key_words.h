#pragma once
// Sort keys normalized into rows of unsigned words that compare lexicographically in the order
// the SortKeys ask for, so the sorters compare integers only.
//
// Note [Normalized sort keys]
// Each key column gives up to two parts per row: a null flag (only when the column has nulls: 0
// for the rows that sort first) and the value mapped to an unsigned integer that preserves order:
// - integers, dates, timestamps: the two's-complement value with its sign bit flipped;
// - floats: the IEEE bits, all bits flipped for negatives and the sign bit set for positives (the
//   classic total-order trick), after folding -0.0 into 0.0 and every NaN into the largest value;
// - bools: 0 or 1;
// - strings: the rank of the value among the column's distinct strings (the distinct values are
//   sorted once, bytewise), so a string key costs one integer like any other.
// A part's values are shifted to start at 0 (minus its minimum, or maximum minus the value when
// descending), so it needs only as many bits as its range: a part that is constant needs none and
// vanishes. The parts are then packed, most significant first, into as few 64-bit words as fit:
// three small keys usually become one word, sorted by a few radix passes (DuckDB likewise packs
// normalized keys into fixed-width byte strings).
#include <cstdint>
#include <vector>

#include "analytics/ops/sort.h"

namespace nimbus::analytics::detail {

struct SortKeyWords {
  int64_t rows = 0;
  int width = 0;                // words per row (0: all keys constant)
  std::vector<int> used_bits;   // per word: bits used, from the top (the low bits are zero)
  std::vector<uint64_t> words;  // rows * width, row-major

  const uint64_t* row(int64_t i) const { return words.data() + i * width; }
  // Lexicographic comparison of rows i and j.
  bool less(int64_t i, int64_t j) const {
    const uint64_t* a = row(i);
    const uint64_t* b = row(j);
    for (int w = 0; w < width; ++w) {
      if (a[w] != b[w]) return a[w] < b[w];
    }
    return false;
  }
};

// `columns[k]` is the column of `keys[k]`.
SortKeyWords normalize_sort_keys(const std::vector<Column>& columns, const std::vector<SortKey>& keys, int threads);

}  // namespace nimbus::analytics::detail
