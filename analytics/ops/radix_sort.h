#pragma once
// Stable LSD radix sort of row numbers by normalized key words (Note [Normalized sort keys]).
//
// Words are sorted least significant first, each by its bytes from low to high, 8 bits a pass.
// Bytes below a word's used bits are zero and never sorted; a pass whose byte is the same in every
// row (the histogram says so) is skipped, so a key with a small range costs one or two passes.
// Each pass is a parallel histogram per piece of rows and a scatter in which piece p writes its rows
// of a byte value after those of the pieces before it: stable, so the result is the same for any
// number of pieces.
#include <cstdint>
#include <vector>

#include "analytics/ops/sort_key_words.h"

namespace nimbus::analytics::detail {

// The rows 0..keys.rows-1 ordered by their key words; equal keys keep increasing row order.
std::vector<int64_t> radix_sort_rows(const SortKeyWords& keys, int threads);
// `rows` (any of the rows of `keys`, each once) ordered by their key words; equal keys keep their
// order in `rows`.
std::vector<int64_t> radix_sort_rows(const SortKeyWords& keys, std::vector<int64_t> rows, int threads);

}  // namespace nimbus::analytics::detail
