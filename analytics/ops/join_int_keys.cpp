#include "analytics/ops/join_int_keys.h"

#include <algorithm>
#include <bit>
#include <memory>

#include "analytics/ops/hash_mix.h"
#include "analytics/ops/ops_parallel.h"

namespace nimbus::analytics::detail {

namespace {

constexpr int kPartitionSlotBits = 16;  // at most 65536 slots (1 MiB) a partition
constexpr int64_t kLookupGrain = 32768;
constexpr int64_t kAhead = 16;  // rows between prefetching a home slot and using it; a power of two

// Every key bit reaches the top bits a home slot is taken from (mix64).
uint64_t hash_key(int64_t key) { return mix64(static_cast<uint64_t>(key)); }

// A key column's values as int64, widened from int32 when needed.
class IntKeys {
 public:
  IntKeys(const Column& column, int threads) : column_(column), has_nulls_(column.has_nulls()) {
    if (column.type() == DataType::int64) {
      values_ = column.values<int64_t>();
      return;
    }
    widened_.resize(static_cast<size_t>(column.length()));
    const int32_t* from = column.values<int32_t>();
    run_pieces(rows(), piece_count(rows(), threads, kLookupGrain), threads, [&](int64_t, int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) widened_[static_cast<size_t>(i)] = from[i];
    });
    values_ = widened_.data();
  }

  int64_t rows() const { return column_.length(); }
  bool null(int64_t i) const { return has_nulls_ && column_.is_null(i); }
  int64_t value(int64_t i) const { return values_[i]; }

 private:
  const Column& column_;
  bool has_nulls_;
  const int64_t* values_ = nullptr;
  std::vector<int64_t> widened_;
};

struct Slot {
  int64_t key;
  int64_t row;  // the first build row with the key; -1 for an empty slot
};

// The table of Note [Integer key joins].
class IntKeyTable {
 public:
  explicit IntKeyTable(int64_t build_rows) {
    // At most two thirds full, so that a lookup of an absent key ends after a few slots.
    const auto slots = std::bit_ceil(static_cast<uint64_t>(std::max<int64_t>(16, build_rows + build_rows / 2)));
    slot_bits_ = std::countr_zero(slots);
    partition_bits_ = std::min(slot_bits_, kPartitionSlotBits);
    slots_ = std::make_unique_for_overwrite<Slot[]>(slots);  // each build task fills its own partitions
  }

  struct Built {
    bool complete = true;  // false: a partition filled up
    bool unique = true;    // no key repeats
  };

  Built build(const IntKeys& keys, int threads) {
    const int64_t partitions = int64_t{1} << (slot_bits_ - partition_bits_);
    const int64_t tasks = std::min<int64_t>(partitions, resolve_threads(threads));
    std::vector<Built> results(static_cast<size_t>(tasks));
    run_tasks(tasks, threads, [&](int64_t task) {
      results[static_cast<size_t>(task)] = build_partitions(keys, partitions * task / tasks,
                                                            partitions * (task + 1) / tasks);
    });
    Built all;
    for (const Built& r : results) {
      all.complete = all.complete && r.complete;
      all.unique = all.unique && r.unique;
    }
    return all;
  }

  // found[i] = the first build row with the key of row i of `keys`, or -1 (none, or NULL).
  void lookup(const IntKeys& keys, std::vector<int64_t>& found, int threads) const {
    found.resize(static_cast<size_t>(keys.rows()));
    run_pieces(keys.rows(), piece_count(keys.rows(), threads, kLookupGrain), threads,
               [&](int64_t, int64_t begin, int64_t end) {
                 uint64_t homes[kAhead];  // a ring: row i's home is at i % kAhead
                 const auto prefetch = [&](int64_t i) {
                   const uint64_t slot = home(hash_key(keys.value(i)));
                   homes[i & (kAhead - 1)] = slot;
                   __builtin_prefetch(&slots_[slot]);
                 };
                 for (int64_t i = begin; i < std::min(end, begin + kAhead); ++i) prefetch(i);
                 for (int64_t i = begin; i < end; ++i) {
                   const uint64_t slot = homes[i & (kAhead - 1)];
                   if (i + kAhead < end) prefetch(i + kAhead);
                   found[static_cast<size_t>(i)] = keys.null(i) ? -1 : find(keys.value(i), slot);
                 }
               });
  }

 private:
  uint64_t home(uint64_t hash) const { return hash >> (64 - slot_bits_); }
  uint64_t partition_mask() const { return (uint64_t{1} << partition_bits_) - 1; }
  uint64_t next(uint64_t slot) const {  // linear probing, wrapping around within the partition
    return (slot & ~partition_mask()) | ((slot + 1) & partition_mask());
  }

  int64_t find(int64_t key, uint64_t slot) const {
    for (;; slot = next(slot)) {
      const Slot& s = slots_[slot];
      if (s.row < 0) return -1;
      if (s.key == key) return s.row;
    }
  }

  // Inserts, in row order, the build rows whose home is in partitions [first, last).
  Built build_partitions(const IntKeys& keys, int64_t first, int64_t last) {
    const uint64_t lo = static_cast<uint64_t>(first) << partition_bits_;
    const uint64_t hi = static_cast<uint64_t>(last) << partition_bits_;
    std::fill(slots_.get() + lo, slots_.get() + hi, Slot{0, -1});
    // Filled slots per partition; one stays empty so that every probe sequence ends.
    std::vector<int64_t> filled(static_cast<size_t>(last - first), 0);
    const auto room = static_cast<int64_t>(partition_mask());  // most slots a partition may fill
    Built built;
    const int64_t rows = keys.rows();
    uint64_t homes[kAhead];  // a ring: row i's home is at i % kAhead
    const auto prefetch = [&](int64_t i) {
      const uint64_t slot = home(hash_key(keys.value(i)));
      homes[i & (kAhead - 1)] = slot;
      if (slot >= lo && slot < hi) __builtin_prefetch(&slots_[slot]);
    };
    for (int64_t i = 0; i < std::min(rows, kAhead); ++i) prefetch(i);
    for (int64_t row = 0; row < rows; ++row) {
      const uint64_t home_slot = homes[row & (kAhead - 1)];
      if (row + kAhead < rows) prefetch(row + kAhead);
      if (home_slot < lo || home_slot >= hi || keys.null(row)) continue;
      const int64_t key = keys.value(row);
      for (uint64_t slot = home_slot;; slot = next(slot)) {
        Slot& s = slots_[slot];
        if (s.row < 0) {
          int64_t& count = filled[static_cast<size_t>((slot >> partition_bits_) - static_cast<uint64_t>(first))];
          if (count == room) {
            built.complete = false;
            return built;
          }
          ++count;
          s = Slot{key, row};
          break;
        }
        if (s.key == key) {
          built.unique = false;
          break;
        }
      }
    }
    return built;
  }

  int slot_bits_ = 0;
  int partition_bits_ = 0;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace

bool int_keys_apply(const Column& build, const Column& probe) {
  const auto is_int = [](const Column& c) {
    return (c.type() == DataType::int32 || c.type() == DataType::int64) && c.device().is_cpu();
  };
  return is_int(build) && is_int(probe);
}

std::optional<IntKeyMatch> match_int_keys(const Column& build, const Column& probe, int threads) {
  const IntKeys build_keys(build, threads);
  IntKeyTable table(build_keys.rows());
  const IntKeyTable::Built built = table.build(build_keys, threads);
  if (!built.complete) return std::nullopt;
  IntKeyMatch match;
  match.build_unique = built.unique;
  if (built.unique) {  // each row is its key's first row
    match.build_key.resize(static_cast<size_t>(build_keys.rows()));
    run_pieces(build_keys.rows(), piece_count(build_keys.rows(), threads, kLookupGrain), threads,
               [&](int64_t, int64_t begin, int64_t end) {
                 for (int64_t r = begin; r < end; ++r) match.build_key[static_cast<size_t>(r)] = build_keys.null(r) ? -1 : r;
               });
  } else {
    table.lookup(build_keys, match.build_key, threads);
  }
  table.lookup(IntKeys(probe, threads), match.probe_key, threads);
  return match;
}

}  // namespace nimbus::analytics::detail
