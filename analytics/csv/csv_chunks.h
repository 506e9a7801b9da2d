#pragma once
// Cutting CSV text into chunks of whole records that threads can parse independently.
//
// Note [CSV chunking]
// A newline ends a record unless it is inside quotes, and with RFC 4180 quoting "inside quotes" is
// exactly "after an odd number of quote characters since the start of the record" (an escaped quote
// is two quote characters, so it does not change the parity). Records start at even parity, so a
// newline ends a record iff the number of quote characters before it in the whole text is even.
// That makes the boundaries computable in parallel:
//   1. cut the text into equal byte ranges; for each (in parallel) count quotes and newlines;
//   2. a prefix sum gives the quote parity and the line number at the start of every range;
//   3. in each range (in parallel) the first newline at even parity ends a record: the next chunk
//      starts after it. A range without one joins the chunk before it.
// The record reader (csv_tokenizer.h) ends records by the same rule, also when it recovers from a
// malformed record, so the records, and so the parsed table, are the same for any chunk size and
// thread count. (A quote inside an unquoted field breaks RFC 4180 and is reported as an error.)
#include <cstdint>
#include <string_view>
#include <vector>

namespace nimbus::analytics::csv {

struct Chunk {
  size_t begin = 0, end = 0;  // byte range in the text; begin is a record start
  int64_t first_line = 1;     // 1-based line number of `begin`
};

// Chunks of about `chunk_bytes` covering text[begin, text.size()), where `begin` is a record start
// on line `first_line`. Empty when the range is empty.
std::vector<Chunk> split_into_chunks(std::string_view text, size_t begin, int64_t first_line, char quote,
                                     int64_t chunk_bytes, int threads);

}  // namespace nimbus::analytics::csv
