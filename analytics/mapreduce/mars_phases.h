#pragma once
// Note [Mars strategy]
// Map/reduce as Mars (He et al., PACT 2008) runs it on a GPU: no atomics and no allocation while
// mapping, because every map task first says how many pairs it will emit and a prefix sum gives
// each task its own place in one output array. Over a block of text, word count is:
//
//   1. map-count  a task per chunk of `chunk_bytes` bytes counts the words that START in it (a
//                 word byte after a non-word byte, or at byte 0), so a word crossing the chunk's
//                 end is counted once, by the chunk holding its first byte;
//   2. scan       thrust::exclusive_scan of the counts: each task's first output slot (one extra
//                 zero count at the end makes the last offset the total);
//   3. map-emit   each task writes, from its slot on, one pair per word: (64-bit hash of the
//                 word's bytes, position of its first byte); the word is read to its end, past
//                 the chunk if need be;
//   4. shuffle    thrust::sort_by_key on the hashes (a radix sort), which brings equal words
//                 together. Exactness does not rest on the hash: adjacent pairs with equal hashes
//                 are compared byte by byte, and if any two differ (a collision) the positions are
//                 sorted again by the words' bytes themselves;
//   5. reduce     thrust::reduce_by_key over the positions, two positions being equal keys when
//                 their words' bytes are equal: one (position, count) per distinct word.
//
// Words are split by is_word_byte (words.h), the CPU engine's own definition, and alnum_lower
// lower-cases the block in place first (a transform), so each distinct word here is one key of
// WordCountJob. Newlines and CR are separators under every rule, so words never cross lines and
// chunks need not follow line ends. The final order (count descending, word ascending) is made by
// the caller from the distinct words, with the same code as the Phoenix path.
//
// The template is written against a Thrust execution policy and an `Arrays` type that owns
// scratch arrays in the policy's memory:
//   template <typename T> A make(int64_t n);        // A has T* data(); n >= 0 entries, uninitialised
//   template <typename T> void to_host(T* dst, const T* src, int64_t n);
// mars_host.cpp instantiates it with thrust::omp::par and host arrays (tested in CI);
// analytics/cuda/mapreduce_mars.cu with thrust::cuda::par over the device's caching allocator.
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/constant_iterator.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/reduce.h>
#include <thrust/scan.h>
#include <thrust/sort.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include <cstdint>

#include "analytics/mapreduce/mars.h"
#include "analytics/mapreduce/words.h"
#include "runtime/macros.h"

namespace nimbus::analytics::mapreduce::mars {

// A block of text in the policy's memory and its word rule.
struct TextView {
  const char* text = nullptr;
  int64_t n = 0;
  WordRule rule = WordRule::alnum_lower;

  NIMBUS_HD bool word_byte(int64_t i) const { return i >= 0 && i < n && is_word_byte(rule, static_cast<unsigned char>(text[i])); }
  NIMBUS_HD int64_t word_end(int64_t i) const {
    while (word_byte(i)) ++i;
    return i;
  }
};

// As ascii_lower_in_place (words.cpp), one byte at a time.
struct LowerAscii {
  NIMBUS_HD char operator()(char ch) const {
    const auto c = static_cast<unsigned char>(ch);
    return static_cast<char>(c | (static_cast<unsigned char>(c - 'A') < 26 ? 0x20 : 0));
  }
};

// FNV-1a over the bytes, then splitmix64's finalizer: FNV alone leaves the high bits of short
// words poorly mixed, and the radix sort reads all 64.
NIMBUS_HD inline uint64_t word_hash(const char* text, int64_t begin, int64_t end) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (int64_t i = begin; i < end; ++i) {
    h ^= static_cast<unsigned char>(text[i]);
    h *= 0x100000001b3ull;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// Phase 1: the number of words starting in chunk c.
struct CountWords {
  TextView t;
  int64_t chunk;
  NIMBUS_HD int64_t operator()(int64_t c) const {
    const int64_t begin = c * chunk, end = begin + chunk < t.n ? begin + chunk : t.n;
    bool previous = t.word_byte(begin - 1);
    int64_t words = 0;
    for (int64_t i = begin; i < end; ++i) {
      const bool current = t.word_byte(i);
      words += current && !previous;
      previous = current;
    }
    return words;
  }
};

// Phase 3: chunk c's pairs, from its slot offsets[c] on.
struct EmitWords {
  TextView t;
  int64_t chunk;
  uint64_t hash_mask;
  const int64_t* offsets;
  uint64_t* hashes;
  int64_t* positions;
  NIMBUS_HD void operator()(int64_t c) const {
    const int64_t begin = c * chunk, end = begin + chunk < t.n ? begin + chunk : t.n;
    int64_t out = offsets[c];
    bool previous = t.word_byte(begin - 1);
    for (int64_t i = begin; i < end; ++i) {
      const bool current = t.word_byte(i);
      if (current && !previous) {
        const int64_t word_end = t.word_end(i);
        hashes[out] = word_hash(t.text, i, word_end) & hash_mask;
        positions[out] = i;
        ++out;
        i = word_end - 1;  // the rest of the word holds no start
      }
      previous = current;
    }
  }
};

// Whether the words at two positions have the same bytes.
struct SameWord {
  TextView t;
  NIMBUS_HD bool operator()(int64_t a, int64_t b) const {
    if (a == b) return true;
    for (;; ++a, ++b) {
      const bool in_a = t.word_byte(a), in_b = t.word_byte(b);
      if (!in_a || !in_b) return in_a == in_b;
      if (t.text[a] != t.text[b]) return false;
    }
  }
};

// The words' bytes in order (a prefix first): the shuffle's order after a hash collision.
struct WordLess {
  TextView t;
  NIMBUS_HD bool operator()(int64_t a, int64_t b) const {
    for (;; ++a, ++b) {
      const bool in_a = t.word_byte(a), in_b = t.word_byte(b);
      if (!in_a || !in_b) return !in_a && in_b;
      const auto ca = static_cast<unsigned char>(t.text[a]), cb = static_cast<unsigned char>(t.text[b]);
      if (ca != cb) return ca < cb;
    }
  }
};

// 1 where pair i has its predecessor's hash but another word.
struct Collides {
  TextView t;
  const uint64_t* hashes;
  const int64_t* positions;
  NIMBUS_HD int64_t operator()(int64_t i) const {
    return hashes[i] == hashes[i - 1] && !SameWord{t}(positions[i], positions[i - 1]) ? 1 : 0;
  }
};

struct WordLength {
  TextView t;
  NIMBUS_HD int64_t operator()(int64_t position) const { return t.word_end(position) - position; }
};

// The distinct words of `text` (n bytes in the policy's memory; lower-cased in place under
// alnum_lower) and their counts, copied to the host.
template <typename Policy, typename Arrays>
MarsWordCounts word_count(const Policy& policy, Arrays& arrays, char* text, int64_t n, WordRule rule,
                          const MarsOptions& options) {
  MarsWordCounts result;
  if (n <= 0) return result;
  if (rule == WordRule::alnum_lower) thrust::transform(policy, text, text + n, text, LowerAscii{});
  const TextView view{text, n, rule};
  const int64_t chunk = options.chunk_bytes > 0 ? options.chunk_bytes : 1;
  const int64_t chunks = (n + chunk - 1) / chunk;
  const thrust::counting_iterator<int64_t> task(0);

  // 1-2. Counts, then their exclusive scan; the extra last entry is a zero whose offset is the total.
  auto counts = arrays.template make<int64_t>(chunks + 1);
  thrust::transform(policy, task, task + chunks, counts.data(), CountWords{view, chunk});
  thrust::fill_n(policy, counts.data() + chunks, 1, int64_t{0});
  auto offsets = arrays.template make<int64_t>(chunks + 1);
  thrust::exclusive_scan(policy, counts.data(), counts.data() + chunks + 1, offsets.data());
  int64_t total = 0;
  arrays.to_host(&total, offsets.data() + chunks, 1);
  if (total == 0) return result;

  // 3. Emit.
  auto hashes = arrays.template make<uint64_t>(total);
  auto positions = arrays.template make<int64_t>(total);
  const uint64_t mask = options.hash_bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << options.hash_bits) - 1;
  thrust::for_each(policy, task, task + chunks,
                   EmitWords{view, chunk, mask, offsets.data(), hashes.data(), positions.data()});

  // 4. Shuffle: by hash, or by the words' bytes when two words share a hash.
  thrust::sort_by_key(policy, hashes.data(), hashes.data() + total, positions.data());
  const int64_t collisions = thrust::transform_reduce(policy, task + 1, task + total,
                                                      Collides{view, hashes.data(), positions.data()}, int64_t{0},
                                                      thrust::plus<int64_t>());
  if (collisions > 0) thrust::sort(policy, positions.data(), positions.data() + total, WordLess{view});

  // 5. Reduce: one position and count per run of equal words.
  auto words = arrays.template make<int64_t>(total);
  auto tallies = arrays.template make<int64_t>(total);
  const auto ends = thrust::reduce_by_key(policy, positions.data(), positions.data() + total,
                                          thrust::constant_iterator<int64_t>(1), words.data(), tallies.data(),
                                          SameWord{view});
  const int64_t distinct = static_cast<int64_t>(ends.first - words.data());
  auto lengths = arrays.template make<int64_t>(distinct);
  thrust::transform(policy, words.data(), words.data() + distinct, lengths.data(), WordLength{view});

  result.position.resize(static_cast<size_t>(distinct));
  result.length.resize(static_cast<size_t>(distinct));
  result.count.resize(static_cast<size_t>(distinct));
  arrays.to_host(result.position.data(), words.data(), distinct);
  arrays.to_host(result.length.data(), lengths.data(), distinct);
  arrays.to_host(result.count.data(), tallies.data(), distinct);
  return result;
}

}  // namespace nimbus::analytics::mapreduce::mars
