#pragma once
// ColumnAssembler: writes chunk results (Vectors) into one output Column in the Arrow layout —
// concurrently, each chunk into its own rows.
//
// Chunks start at multiples of kChunkRows (a multiple of 8), so two chunks never share a byte of a
// bit-packed bool or validity bitmap and need no locks. The bitmap is filled for every row and
// attached only when some row is null, so a null-free result can become a Tensor without a copy.
// Null slots hold zeros (empty strings), as ColumnBuilder writes them, so results are identical byte
// for byte for any thread count. Strings are gathered per chunk and concatenated in finish(), once
// every chunk's length is known.
#include <string>
#include <vector>

#include "analytics/column.h"
#include "analytics/expr/vector.h"

namespace nimbus::analytics {

class ColumnAssembler {
 public:
  ColumnAssembler(DataType type, int64_t rows);

  // Rows [begin, begin + chunk.rows()) of the output; `index` = begin / kChunkRows.
  void write(int64_t index, int64_t begin, const Vector& chunk);
  Column finish();

 private:
  struct ChunkStrings {
    std::string chars;
    std::vector<int32_t> lengths;
  };

  DataType type_;
  int64_t rows_;
  Buffer data_;      // fixed-width values or bool bits
  Buffer validity_;  // always filled; attached only when nulls exist
  std::vector<int64_t> null_counts_;      // per chunk
  std::vector<ChunkStrings> strings_;     // per chunk, string columns only
};

}  // namespace nimbus::analytics
