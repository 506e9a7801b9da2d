// The rows a DISTINCT aggregate keeps: the first row of each (group, value) pair. The pair is the
// group id put in front of the input's key words (Note [Key words]), looked up in one
// KeyHashTable per partition; a group's rows share a partition, so the tables never need merging.
#include "analytics/ops/aggregate_kernels.h"
#include "analytics/ops/key_encoding.h"

namespace nimbus::analytics::detail {

std::vector<std::vector<int64_t>> first_distinct_rows(const GroupedRows& rows, const std::vector<Column>& inputs) {
  const EncodedKeys values = encode_keys(inputs, NullKeys::group_together, rows.threads);
  const EncodedKeys pairs = prepend_word(values, *rows.group_of_row, rows.threads);
  const std::vector<std::vector<int64_t>>& partitions = *rows.partition_rows;
  std::vector<std::vector<int64_t>> kept(partitions.size());
  run_tasks(static_cast<int64_t>(partitions.size()), rows.threads, [&](int64_t p) {
    KeyHashTable seen(pairs);
    for (int64_t row : partitions[static_cast<size_t>(p)]) {
      if (seen.insert(row).second) kept[static_cast<size_t>(p)].push_back(row);
    }
  });
  return kept;
}

}  // namespace nimbus::analytics::detail
