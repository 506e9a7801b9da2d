#include "analytics/ops/group_index.h"


#include "analytics/ops/ops_parallel.h"

namespace nimbus::analytics::detail {

namespace {

// Inputs below this many rows use one partition: a hash table that fits in cache beats splitting.
constexpr int64_t kPartitionRows = 32768;
constexpr int kPartitionBits = 6;  // 64 partitions: enough to balance 2-32 threads
constexpr int64_t kScatterGrain = 32768;

// Note [Sized partition tables]
// A partition's table grows by doubling, and with about as many groups as rows (q10 of
// db-benchmark: 1e7 nearly distinct keys) every doubling rehashes the slots and moves the copied
// key words again, while the fresh slot arrays are zeroed page by page. The partition's row
// count bounds its groups, but reserving that much for every partition would zero far more slots
// than a table of few groups needs. So after its first kSampleRows rows the table is sized for the
// whole partition at the share of new keys seen so far, when over three quarters of those rows
// had new keys: a distinct-heavy partition is sized once, one with fewer groups (whose sample
// share would overestimate them) grows as before.
constexpr int64_t kSampleRows = 4096;

size_t partition_of(uint64_t hash, int bits) { return bits == 0 ? 0 : static_cast<size_t>(hash >> (64 - bits)); }

// Step 1 of Note [Partitioned grouping]: rows (except skipped ones) in partition order.
std::vector<std::vector<int64_t>> scatter_rows(const EncodedKeys& keys, int bits, int threads) {
  const size_t partitions = size_t{1} << bits;
  const int64_t pieces = piece_count(keys.rows, threads, kScatterGrain);
  std::vector<std::vector<int64_t>> counts(static_cast<size_t>(pieces), std::vector<int64_t>(partitions, 0));
  run_pieces(keys.rows, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    std::vector<int64_t>& count = counts[static_cast<size_t>(piece)];
    for (int64_t i = begin; i < end; ++i) {
      if (!keys.skipped(i)) ++count[partition_of(keys.hashes[static_cast<size_t>(i)], bits)];
    }
  });
  // Each piece writes its rows of partition p after the rows of the pieces before it.
  std::vector<std::vector<int64_t>> rows(partitions);
  for (size_t p = 0; p < partitions; ++p) {
    int64_t total = 0;
    for (auto& count : counts) {
      const int64_t n = count[p];
      count[p] = total;
      total += n;
    }
    rows[p].resize(static_cast<size_t>(total));
  }
  run_pieces(keys.rows, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    std::vector<int64_t>& cursor = counts[static_cast<size_t>(piece)];
    for (int64_t i = begin; i < end; ++i) {
      if (keys.skipped(i)) continue;
      const size_t p = partition_of(keys.hashes[static_cast<size_t>(i)], bits);
      rows[p][static_cast<size_t>(cursor[p]++)] = i;
    }
  });
  return rows;
}

}  // namespace

GroupIndex build_group_index(const EncodedKeys& keys, int threads) {
  GroupIndex index;
  index.partition_bits = keys.rows >= kPartitionRows ? kPartitionBits : 0;
  index.partition_rows = scatter_rows(keys, index.partition_bits, threads);
  const size_t partitions = index.partition_rows.size();
  index.group_of_row.assign(static_cast<size_t>(keys.rows), -1);

  // Step 2: one table per partition; group_of_row holds local ids for now.
  index.tables.assign(partitions, KeyHashTable(keys));
  run_tasks(static_cast<int64_t>(partitions), threads, [&](int64_t p) {
    KeyHashTable& table = index.tables[static_cast<size_t>(p)];
    const std::vector<int64_t>& rows = index.partition_rows[static_cast<size_t>(p)];
    const auto count = static_cast<int64_t>(rows.size());
    for (int64_t i = 0; i < count; ++i) {
      // Note [Sized partition tables]
      if (i == kSampleRows && count > 2 * kSampleRows && table.size() * 4 > kSampleRows * 3)
        table.reserve(table.size() * count / kSampleRows);
      const int64_t row = rows[static_cast<size_t>(i)];
      index.group_of_row[static_cast<size_t>(row)] = table.insert(row).first;
    }
  });

  // Step 3: number groups by first row. Marking each group's first row and reading the marks in
  // row order numbers them in one linear pass (no sort of the groups); a marked row's partition
  // comes from its hash and its local id is still in group_of_row.
  std::vector<uint8_t> is_first(static_cast<size_t>(keys.rows), 0);
  index.global_id.resize(partitions);
  run_tasks(static_cast<int64_t>(partitions), threads, [&](int64_t p) {
    const KeyHashTable& table = index.tables[static_cast<size_t>(p)];
    for (int64_t row : table.first_rows()) is_first[static_cast<size_t>(row)] = 1;
    index.global_id[static_cast<size_t>(p)].resize(static_cast<size_t>(table.size()));
  });
  for (int64_t row = 0; row < keys.rows; ++row) {
    if (is_first[static_cast<size_t>(row)] == 0) continue;
    const size_t p = partition_of(keys.hashes[static_cast<size_t>(row)], index.partition_bits);
    const auto local = static_cast<size_t>(index.group_of_row[static_cast<size_t>(row)]);
    index.global_id[p][local] = index.num_groups++;
    index.first_row.push_back(row);
  }
  run_tasks(static_cast<int64_t>(partitions), threads, [&](int64_t p) {
    const std::vector<int64_t>& global = index.global_id[static_cast<size_t>(p)];
    for (int64_t row : index.partition_rows[static_cast<size_t>(p)]) {
      int64_t& group = index.group_of_row[static_cast<size_t>(row)];
      group = global[static_cast<size_t>(group)];
    }
  });
  return index;
}

int64_t GroupIndex::find(const EncodedKeys& probe, int64_t row) const {
  if (probe.skipped(row)) return -1;
  const size_t p = partition_bits == 0 ? 0 : static_cast<size_t>(probe.hashes[static_cast<size_t>(row)] >> (64 - partition_bits));
  const int64_t local = tables[p].find(probe, row);
  return local < 0 ? -1 : global_id[p][static_cast<size_t>(local)];
}

}  // namespace nimbus::analytics::detail
