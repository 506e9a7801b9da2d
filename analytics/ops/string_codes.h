#pragma once
// code_strings: the codes of Note [String codes] (column.h) for the rows of a string column's
// buffers, computed on all threads with the same result for any count.
#include <cstdint>

#include "runtime/buffer.h"

namespace nimbus::analytics::detail {

struct CodedStrings {
  Buffer codes;       // one uint32 per row, on the CPU
  int64_t count = 0;  // codes are below it; at least 1
};

// Codes the strings chars[offsets[i], offsets[i + 1]) of rows [0, rows), numbered by first
// appearance (rows under nulls get the code of whatever their offsets span).
CodedStrings code_strings(const int32_t* offsets, const char* chars, int64_t rows, int threads);

}  // namespace nimbus::analytics::detail
