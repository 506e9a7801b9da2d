#pragma once
// The output columns of a join: take() of each side's rows, faster for the row lists a join makes.
//
// Note [Join output gather]
// A join's output is mostly the gather of both sides' columns, and the big side's rows come in
// random order, so each output value is a cache miss. take() checks every index of every column
// and sums a string column's lengths in one serial pass before copying the characters in
// parallel, reading each source row's offsets twice at random. The join's row lists are valid by
// construction, so here:
// - no index is checked;
// - a string column is gathered in one parallel pass over blocks of output rows, each block
//   copying its rows' characters into a buffer of its own (prefetching a row's offsets, then its
//   characters, some rows ahead), then each block's buffer is copied into place after a prefix
//   sum over the blocks' byte counts, and its offsets shifted by where it starts;
// - a short string is copied as one 16-byte load and store when the source has room, instead of
//   a call to memcpy for a few bytes.
// The result equals take()'s: same values, and a validity bitmap exactly when a null was taken.
// Boolean columns and columns on a device go through take().
#include <cstdint>
#include <span>

#include "analytics/table.h"

namespace nimbus::analytics::detail {

// take(table, rows) for rows that are all kNullRow or rows of `table`; `may_have_null_rows` false
// promises none is kNullRow.
Table take_join_rows(const Table& table, std::span<const int64_t> rows, bool may_have_null_rows, int threads);

}  // namespace nimbus::analytics::detail
