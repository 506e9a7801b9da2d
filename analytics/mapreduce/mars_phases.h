#pragma once
// Note [Mars strategy]
// Map/reduce as Mars (He et al., PACT 2008) runs it on a GPU: no atomics and no allocation while
// mapping, because every map task first says how many pairs it will emit and a prefix sum gives
// each task its own place in one output array. For any job (Note [Mars jobs] in mars_jobs.h):
//
//   1. map-count  every task runs the job's map() with an emitter that only counts its pairs;
//   2. scan       thrust::exclusive_scan of the counts: each task's first output slot (one extra
//                 zero count at the end makes the last offset the total);
//   3. map-emit   every task runs map() again, writing from its slot on: a 64-bit hash of the key,
//                 the key, the value;
//   4. shuffle    a stable sort by hash (a radix sort on a GPU) brings equal keys together, each
//                 key's pairs still in emit order. Exactness does not rest on the hash: adjacent
//                 pairs with equal hashes are compared key against key, and if any two differ (a
//                 collision) the pairs are stable-sorted again by the keys themselves;
//   5. reduce     thrust::reduce_by_key with the job's combine() (one value per key), or, for a
//                 job without one, each key's run of values as its list (a value equal to the one
//                 before it dropped first when the job asks for distinct values).
//
// Text jobs cut a block into tasks of chunk_bytes bytes (Note [Who owns a word or a line] in
// mars_text.h); before mapping, a job may rewrite the block byte by byte (lower-casing), and each
// task is told the number of the line it starts in (newlines counted per chunk, then scanned).
// Keys are words of the block (TextRange: hashed and compared by their bytes) or integers.
// Table jobs cut the table's rows into tasks of chunk_rows rows (RowTask in mars_table.h), their
// keys integers (a bucket, a cluster); the phases are the same, only the tasks differ.
//
// The templates are written against a Thrust execution policy and an `Arrays` type that owns
// scratch arrays in the policy's memory:
//   template <typename T> A make(int64_t n);        // A has T* data(); n >= 0 entries, uninitialised
//   template <typename T> A from_host(const T* src, int64_t n);   // a copy of host values
//   template <typename T> void to_host(T* dst, const T* src, int64_t n);
// mars_host.cpp instantiates them with thrust::omp::par and host arrays (tested in CI);
// analytics/cuda/mapreduce_mars*.cu with thrust::cuda::par over the device's caching allocator.
#include <thrust/copy.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/gather.h>
#include <thrust/iterator/constant_iterator.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>
#include <thrust/reduce.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>
#include <thrust/tuple.h>
#include <thrust/unique.h>

#include <cstdint>
#include <string_view>

#include "analytics/mapreduce/mars.h"
#include "analytics/mapreduce/mars_jobs.h"
#include "analytics/mapreduce/mars_text.h"
#include "runtime/macros.h"

namespace nimbus::analytics::mapreduce::mars {

// splitmix64's finalizer: spreads every input bit over all 64 (the radix sort reads them all).
NIMBUS_HD inline uint64_t mix64(uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// How the shuffle hashes, compares and orders keys of each type.
template <typename Key>
struct KeyOps;

// Words: FNV-1a over the bytes, then mixed (FNV alone leaves the high bits of short words poorly
// mixed); equal and ordered by their bytes, a prefix first.
template <>
struct KeyOps<TextRange> {
  const char* text;
  NIMBUS_HD uint64_t hash(TextRange k) const {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int64_t i = k.begin; i < k.end; ++i) {
      h ^= static_cast<unsigned char>(text[i]);
      h *= 0x100000001b3ull;
    }
    return mix64(h);
  }
  NIMBUS_HD bool same(TextRange a, TextRange b) const {
    if (a.size() != b.size()) return false;
    if (a.begin == b.begin) return true;
    for (int64_t i = 0; i < a.size(); ++i)
      if (text[a.begin + i] != text[b.begin + i]) return false;
    return true;
  }
  NIMBUS_HD bool less(TextRange a, TextRange b) const {
    for (int64_t i = 0; i < a.size() && i < b.size(); ++i) {
      const auto ca = static_cast<unsigned char>(text[a.begin + i]), cb = static_cast<unsigned char>(text[b.begin + i]);
      if (ca != cb) return ca < cb;
    }
    return a.size() < b.size();
  }
};

template <>
struct KeyOps<int64_t> {
  const char* text;  // unused: integer keys stand for themselves
  NIMBUS_HD uint64_t hash(int64_t k) const { return mix64(static_cast<uint64_t>(k)); }
  NIMBUS_HD bool same(int64_t a, int64_t b) const { return a == b; }
  NIMBUS_HD bool less(int64_t a, int64_t b) const { return a < b; }
};

// Whether a job folds each key's values into one (Note [Mars jobs]).
template <typename Job>
concept Combines = requires(const Job& job, typename Job::Value v) { job.combine(v, v); };
template <typename Job>
concept KeepsDistinctValues = requires { requires Job::distinct_values; };
template <typename Job>
concept PreparesText = requires(const Job& job, char c) {
  job.prepares_text();
  job.prepare(c);
};

// The text tasks of one block: task c is bytes [c * chunk, (c + 1) * chunk).
struct TextTasks {
  const char* text;
  int64_t size, chunk, document;
  const int64_t* first_lines;  // the line each task starts in
  NIMBUS_HD TextTask operator()(int64_t c) const {
    TextTask task;
    task.text = text;
    task.size = size;
    task.begin = c * chunk;
    task.end = task.begin + chunk < size ? task.begin + chunk : size;
    task.document = document;
    task.line = first_lines[c];
    return task;
  }
};

// Phase 1's emitter: counts.
struct CountingEmitter {
  int64_t pairs = 0;
  template <typename Key, typename Value>
  NIMBUS_HD void emit(const Key&, const Value&) {
    ++pairs;
  }
};

// Phase 3's emitter: writes from a task's slot on.
template <typename Key, typename Value>
struct WritingEmitter {
  KeyOps<Key> keys;
  uint64_t hash_mask;
  uint64_t* hash_out;
  Key* key_out;
  Value* value_out;
  int64_t at;
  NIMBUS_HD void emit(const Key& key, const Value& value) {
    hash_out[at] = keys.hash(key) & hash_mask;
    key_out[at] = key;
    value_out[at] = value;
    ++at;
  }
};

template <typename Job, typename Tasks>
struct CountPairs {
  Job job;
  Tasks tasks;
  NIMBUS_HD int64_t operator()(int64_t t) const {
    CountingEmitter out;
    job.map(tasks(t), out);
    return out.pairs;
  }
};

template <typename Job, typename Tasks>
struct EmitPairs {
  using Key = typename Job::Key;
  using Value = typename Job::Value;
  Job job;
  Tasks tasks;
  KeyOps<Key> keys;
  uint64_t hash_mask;
  const int64_t* offsets;
  uint64_t* hashes;
  Key* key_out;
  Value* value_out;
  NIMBUS_HD void operator()(int64_t t) const {
    WritingEmitter<Key, Value> out{keys, hash_mask, hashes, key_out, value_out, offsets[t]};
    job.map(tasks(t), out);
  }
};

// 1 where pair i has its predecessor's hash but another key.
template <typename Key>
struct Collides {
  KeyOps<Key> keys;
  const uint64_t* hashes;
  const Key* key_at;
  NIMBUS_HD int64_t operator()(int64_t i) const {
    return hashes[i] == hashes[i - 1] && !keys.same(key_at[i], key_at[i - 1]) ? 1 : 0;
  }
};

template <typename Key>
struct SameKey {
  KeyOps<Key> keys;
  NIMBUS_HD bool operator()(const Key& a, const Key& b) const { return keys.same(a, b); }
};

template <typename Key>
struct KeyLess {
  KeyOps<Key> keys;
  NIMBUS_HD bool operator()(const Key& a, const Key& b) const { return keys.less(a, b); }
};

// Two (key, value) pairs with equal keys and equal values.
template <typename Key>
struct SamePair {
  KeyOps<Key> keys;
  template <typename A, typename B>
  NIMBUS_HD bool operator()(const A& a, const B& b) const {
    return keys.same(thrust::get<0>(a), thrust::get<0>(b)) && thrust::get<1>(a) == thrust::get<1>(b);
  }
};

template <typename Job>
struct Combine {
  Job job;
  using Value = typename Job::Value;
  NIMBUS_HD Value operator()(const Value& a, const Value& b) const { return job.combine(a, b); }
};

template <typename Job>
struct PrepareByte {
  Job job;
  NIMBUS_HD char operator()(char c) const { return job.prepare(c); }
};

// Newlines in task c's chunk.
struct ChunkNewlines {
  const char* text;
  int64_t size, chunk;
  NIMBUS_HD int64_t operator()(int64_t c) const {
    const int64_t begin = c * chunk, end = begin + chunk < size ? begin + chunk : size;
    int64_t lines = 0;
    for (int64_t i = begin; i < end; ++i) lines += text[i] == '\n';
    return lines;
  }
};

// Phases 1-5 over `task_count` tasks (`tasks(t)` gives task t); the result copied to the host.
template <typename Policy, typename Arrays, typename Job, typename Tasks>
MarsOutput<typename Job::Key, typename Job::Value> run_phases(const Policy& policy, Arrays& arrays, const Job& job,
                                                              const Tasks& tasks, int64_t task_count,
                                                              KeyOps<typename Job::Key> keys, const MarsOptions& options) {
  using Key = typename Job::Key;
  using Value = typename Job::Value;
  MarsOutput<Key, Value> result;
  const thrust::counting_iterator<int64_t> task(0);

  // 1-2. Counts, then their exclusive scan; the extra last entry is a zero whose offset is the total.
  auto counts = arrays.template make<int64_t>(task_count + 1);
  thrust::transform(policy, task, task + task_count, counts.data(), CountPairs<Job, Tasks>{job, tasks});
  thrust::fill_n(policy, counts.data() + task_count, 1, int64_t{0});
  auto offsets = arrays.template make<int64_t>(task_count + 1);
  thrust::exclusive_scan(policy, counts.data(), counts.data() + task_count + 1, offsets.data());
  int64_t total = 0;
  arrays.to_host(&total, offsets.data() + task_count, 1);
  if (total == 0) return result;

  // 3. Emit.
  auto hashes = arrays.template make<uint64_t>(total);
  auto emitted_keys = arrays.template make<Key>(total);
  auto emitted_values = arrays.template make<Value>(total);
  const uint64_t mask = options.hash_bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << options.hash_bits) - 1;
  thrust::for_each(policy, task, task + task_count,
                   EmitPairs<Job, Tasks>{job, tasks, keys, mask, offsets.data(), hashes.data(), emitted_keys.data(),
                                         emitted_values.data()});

  // 4. Shuffle: a stable sort of the pairs' order by hash, the pairs gathered into it; by the keys
  //    themselves when two keys share a hash.
  auto order = arrays.template make<int64_t>(total);
  thrust::sequence(policy, order.data(), order.data() + total);
  thrust::stable_sort_by_key(policy, hashes.data(), hashes.data() + total, order.data());
  auto sorted_keys = arrays.template make<Key>(total);
  auto sorted_values = arrays.template make<Value>(total);
  thrust::gather(policy, order.data(), order.data() + total, emitted_keys.data(), sorted_keys.data());
  thrust::gather(policy, order.data(), order.data() + total, emitted_values.data(), sorted_values.data());
  const int64_t collisions = thrust::transform_reduce(policy, task + 1, task + total,
                                                      Collides<Key>{keys, hashes.data(), sorted_keys.data()},
                                                      int64_t{0}, thrust::plus<int64_t>());
  if (collisions > 0)
    thrust::stable_sort_by_key(policy, sorted_keys.data(), sorted_keys.data() + total, sorted_values.data(),
                               KeyLess<Key>{keys});

  // 5. Reduce.
  auto distinct_keys = arrays.template make<Key>(total);
  int64_t distinct = 0, value_count = 0;
  auto reduced = arrays.template make<Value>(Combines<Job> ? total : 0);
  auto group_sizes = arrays.template make<int64_t>(Combines<Job> ? 0 : total);
  if constexpr (Combines<Job>) {
    const auto ends = thrust::reduce_by_key(policy, sorted_keys.data(), sorted_keys.data() + total,
                                            sorted_values.data(), distinct_keys.data(), reduced.data(), SameKey<Key>{keys},
                                            Combine<Job>{job});
    distinct = static_cast<int64_t>(ends.first - distinct_keys.data());
    value_count = distinct;
  } else {
    value_count = total;
    if constexpr (KeepsDistinctValues<Job>) {
      const auto pairs = thrust::make_zip_iterator(thrust::make_tuple(sorted_keys.data(), sorted_values.data()));
      value_count = static_cast<int64_t>(thrust::unique(policy, pairs, pairs + total, SamePair<Key>{keys}) - pairs);
    }
    const auto ends = thrust::reduce_by_key(policy, sorted_keys.data(), sorted_keys.data() + value_count,
                                            thrust::constant_iterator<int64_t>(1), distinct_keys.data(),
                                            group_sizes.data(), SameKey<Key>{keys});
    distinct = static_cast<int64_t>(ends.first - distinct_keys.data());
  }

  result.keys.resize(static_cast<size_t>(distinct));
  result.values.resize(static_cast<size_t>(value_count));
  arrays.to_host(result.keys.data(), distinct_keys.data(), distinct);
  if constexpr (Combines<Job>) {
    arrays.to_host(result.values.data(), reduced.data(), value_count);
  } else {
    result.group_sizes.resize(static_cast<size_t>(distinct));
    arrays.to_host(result.group_sizes.data(), group_sizes.data(), distinct);
    arrays.to_host(result.values.data(), sorted_values.data(), value_count);
  }
  return result;
}

// A text job over one block (`size` bytes of `text` in the policy's memory, rewritten in place by
// a job that prepares its text): tasks of chunk_bytes, each told its first line's number.
template <typename Policy, typename Arrays, typename Job>
MarsOutput<typename Job::Key, typename Job::Value> run_text_job(const Policy& policy, Arrays& arrays, const Job& job,
                                                                char* text, int64_t size, int64_t document,
                                                                int64_t first_line, const MarsOptions& options) {
  if (size <= 0) return {};
  if constexpr (PreparesText<Job>)
    if (job.prepares_text()) thrust::transform(policy, text, text + size, text, PrepareByte<Job>{job});
  const int64_t chunk = options.chunk_bytes > 0 ? options.chunk_bytes : 1;
  const int64_t chunks = (size + chunk - 1) / chunk;
  const thrust::counting_iterator<int64_t> task(0);
  auto newlines = arrays.template make<int64_t>(chunks);
  thrust::transform(policy, task, task + chunks, newlines.data(), ChunkNewlines{text, size, chunk});
  auto first_lines = arrays.template make<int64_t>(chunks);
  thrust::exclusive_scan(policy, newlines.data(), newlines.data() + chunks, first_lines.data(), first_line);
  const TextTasks tasks{text, size, chunk, document, first_lines.data()};
  return run_phases(policy, arrays, job, tasks, chunks, KeyOps<typename Job::Key>{text}, options);
}

// The built-in jobs (mars_jobs.h) over one block, as the host and device entries run them.
template <typename Policy, typename Arrays>
MarsWordCounts word_count(const Policy& policy, Arrays& arrays, char* text, int64_t size, WordRule rule,
                          const MarsOptions& options) {
  return run_text_job(policy, arrays, MarsWordCountJob{rule}, text, size, 0, 1, options);
}

template <typename Policy, typename Arrays>
MarsGrepCounts grep_count(const Policy& policy, Arrays& arrays, char* text, int64_t size, int64_t document,
                          std::string_view pattern, const MarsOptions& options) {
  const auto n = static_cast<int64_t>(pattern.size());
  auto placed = arrays.template from_host<char>(pattern.data(), n);
  return run_text_job(policy, arrays, MarsGrepCountJob{placed.data(), n}, text, size, document, 1, options);
}

template <typename Policy, typename Arrays>
MarsPostings inverted_index(const Policy& policy, Arrays& arrays, char* text, int64_t size, int64_t first_line,
                            WordRule rule, const MarsOptions& options) {
  return run_text_job(policy, arrays, MarsInvertedIndexJob{rule}, text, size, 0, first_line, options);
}

// A table job over `rows` rows (its columns, members of the job, in the policy's memory): tasks of
// chunk_rows rows.
template <typename Policy, typename Arrays, typename Job>
MarsOutput<typename Job::Key, typename Job::Value> run_row_job(const Policy& policy, Arrays& arrays, const Job& job,
                                                               int64_t rows, const MarsOptions& options) {
  if (rows <= 0) return {};
  const int64_t chunk = options.chunk_rows > 0 ? options.chunk_rows : 1;
  const RowTasks tasks{rows, chunk};
  return run_phases(policy, arrays, job, tasks, (rows + chunk - 1) / chunk, KeyOps<typename Job::Key>{nullptr},
                    options);
}

// The built-in table jobs (mars_jobs.h); `values`, `features` and `centroids` are in the policy's
// memory, the rest of the input as given.
template <typename Policy, typename Arrays>
MarsBucketCounts bucket_counts(const Policy& policy, Arrays& arrays, const double* values, const MarsHistogramInput& in,
                               const MarsOptions& options) {
  const MarsHistogramJob job{values, in.lo, in.width, in.buckets};
  return run_row_job(policy, arrays, job, in.rows, options);
}

template <typename Policy, typename Arrays>
MarsClusterSums cluster_sums(const Policy& policy, Arrays& arrays, const double* features, const double* centroids,
                             const MarsKMeansInput& in, const MarsOptions& options) {
  const MarsKMeansAssignJob job{features, centroids, in.rows, in.feature_count, in.k, in.sum_begin, in.sum_count};
  return run_row_job(policy, arrays, job, in.rows, options);
}

}  // namespace nimbus::analytics::mapreduce::mars
