// The rows a DISTINCT aggregate keeps: the first row of each (group, value) pair. The pair is the
// group id put in front of the input's key words (Note [Key words]), grouped like any other key;
// its groups' first rows are the rows to keep, already in row order.
#include "analytics/ops/aggregate_kernels.h"
#include "analytics/ops/key_encoding.h"

namespace nimbus::analytics::detail {

std::vector<int64_t> first_distinct_rows(const GroupedRows& rows, const std::vector<Column>& inputs) {
  NIMBUS_CHECK(rows.subset == nullptr, "first_distinct_rows: the rows must be every row");
  const EncodedKeys values = encode_keys(inputs, NullKeys::group_together, rows.threads);
  if (rows.group_of_row == nullptr) return build_group_index(values, rows.threads).first_row;  // one group
  const EncodedKeys pairs = prepend_word(values, *rows.group_of_row, rows.threads);
  return build_group_index(pairs, rows.threads).first_row;
}

}  // namespace nimbus::analytics::detail
