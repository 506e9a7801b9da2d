#pragma once
// Note [Mars jobs]
// A job for the Mars strategy (Note [Mars strategy] in mars_phases.h) is a small copyable struct
// whose functions run on the host and on a GPU alike (NIMBUS_HD):
//
//   using Key = TextRange;      // a word of the block (compared by its bytes), or int64_t
//   using Value = int64_t;      // any trivially copyable type
//   template <typename Out>
//   NIMBUS_HD void map(const TextTask& task, Out& out) const;  // out.emit(key, value), any number
//   then either
//   NIMBUS_HD Value combine(Value a, Value b) const;           // one value per key (a sum...)
//   or nothing, and each key keeps its list of values in emit order; with
//   static constexpr bool distinct_values = true;              // a value equal to the one before
//                                                              //   it in its key's list is dropped
//   optional: bool prepares_text() const;  NIMBUS_HD char prepare(char c) const;
//                                          // rewrite the block byte by byte first (lower-case it)
//
// map() is written once and run twice: first with an emitter that only counts, to size each
// task's slice of the output, then with one that writes the pairs there. So it must emit the same
// pairs both times, and it never allocates or synchronises. Members are copied to the device with
// the functor, so a job holds plain values and pointers into the system's memory, never a
// std::string. Each job here gives exactly the keys and values of its Phoenix twin in jobs.h.
//
// Table jobs (the twins of table_jobs.cpp's) map a RowTask (mars_table.h), a range of rows,
// instead of a TextTask; their Key is int64_t and they always combine. The job holds the columns it
// reads as doubles (NaN for NULL), converted once on the host so that the bucket rule and the
// distances see the very values Phoenix sees. A value is a fixed-size struct (MarsClusterSum), so
// a k-means step sums at most kMarsSummedFeatures features per job; wider tables run one job per
// group of features, each assigning the rows again (the same assignment every time).
#include <cstdint>
#include <limits>

#include "analytics/mapreduce/mars_table.h"
#include "analytics/mapreduce/mars_text.h"
#include "analytics/mapreduce/words.h"
#include "runtime/macros.h"

namespace nimbus::analytics::mapreduce {

// Word count: every word, once.
struct MarsWordCountJob {
  using Key = TextRange;
  using Value = int64_t;
  WordRule rule = WordRule::alnum_lower;

  bool prepares_text() const { return rule == WordRule::alnum_lower; }
  NIMBUS_HD char prepare(char c) const { return ascii_lower(c); }

  template <typename Out>
  NIMBUS_HD void map(const TextTask& task, Out& out) const {
    for (TextRange word = first_word(task, rule); word.begin < task.end; word = next_word(task, rule, word.end))
      out.emit(word, int64_t{1});
  }
  NIMBUS_HD int64_t combine(int64_t a, int64_t b) const { return a + b; }
};

// Grep with counts: one per line holding the pattern, keyed by the input file.
struct MarsGrepCountJob {
  using Key = int64_t;
  using Value = int64_t;
  const char* pattern = nullptr;  // in the memory of the system running the job
  int64_t pattern_size = 0;

  template <typename Out>
  NIMBUS_HD void map(const TextTask& task, Out& out) const {
    for (int64_t start = first_line_start(task); start < task.end; start = line_after(task, start))
      if (contains(task, line_at(task, start), pattern, pattern_size)) out.emit(task.document, int64_t{1});
  }
  NIMBUS_HD int64_t combine(int64_t a, int64_t b) const { return a + b; }
};

// Inverted index: every word with the number of its line; a word's lines come out ascending (emit
// order is text order) and a word repeated on a line counts once.
struct MarsInvertedIndexJob {
  using Key = TextRange;
  using Value = int64_t;  // the line number
  static constexpr bool distinct_values = true;
  WordRule rule = WordRule::alnum_lower;

  bool prepares_text() const { return rule == WordRule::alnum_lower; }
  NIMBUS_HD char prepare(char c) const { return ascii_lower(c); }

  template <typename Out>
  NIMBUS_HD void map(const TextTask& task, Out& out) const {
    int64_t line = task.line, counted_to = task.begin;
    for (TextRange word = first_word(task, rule); word.begin < task.end; word = next_word(task, rule, word.end)) {
      line += task.newlines(counted_to, word.begin);
      counted_to = word.begin;
      out.emit(word, line);
    }
  }
};

// Histogram: every non-NULL row's bucket, once. The bucket rule is histogram()'s in table_jobs.cpp
// (equal width from lo; the maximum, and anything the division rounds past, into the last bucket).
struct MarsHistogramJob {
  using Key = int64_t;
  using Value = int64_t;
  const double* values = nullptr;  // one per row, NaN where NULL
  double lo = 0, width = 0;
  int64_t buckets = 1;

  template <typename Out>
  NIMBUS_HD void map(const RowTask& task, Out& out) const {
    for (int64_t r = task.begin; r < task.end; ++r) {
      const double v = values[r];
      if (v != v) continue;  // NaN: a NULL
      int64_t b = width > 0 ? static_cast<int64_t>((v - lo) / width) : 0;
      b = b < 0 ? 0 : (b > buckets - 1 ? buckets - 1 : b);
      out.emit(b, int64_t{1});
    }
  }
  NIMBUS_HD int64_t combine(int64_t a, int64_t b) const { return a + b; }
};

// One k-means step: every row keyed by its nearest centroid (squared Euclidean distance over all
// features, ties to the lower cluster, as Phoenix's AssignJob), valued by features
// [sum_begin, sum_begin + sum_count) and a count of one. Compilers may fuse the distance's
// multiply-add (nvcc does by default), so a row equidistant from two centroids to within rounding
// may be assigned differently on another system; the sizes agree everywhere else.
struct MarsKMeansAssignJob {
  using Key = int64_t;
  using Value = MarsClusterSum;
  const double* features = nullptr;   // feature j of row r at features[j * rows + r]
  const double* centroids = nullptr;  // feature j of cluster c at centroids[c * feature_count + j]
  int64_t rows = 0, feature_count = 0, k = 0;
  int64_t sum_begin = 0, sum_count = 0;  // sum_count <= kMarsSummedFeatures

  NIMBUS_HD int64_t nearest(int64_t r) const {
    int64_t best = 0;
    double best_d = std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < k; ++c) {
      double d = 0;
      for (int64_t j = 0; j < feature_count; ++j) {
        const double diff = features[j * rows + r] - centroids[c * feature_count + j];
        d += diff * diff;
      }
      if (d < best_d) {
        best_d = d;
        best = c;
      }
    }
    return best;
  }

  template <typename Out>
  NIMBUS_HD void map(const RowTask& task, Out& out) const {
    for (int64_t r = task.begin; r < task.end; ++r) {
      MarsClusterSum v;
      for (int64_t j = 0; j < kMarsSummedFeatures; ++j)
        v.sum[j] = j < sum_count ? features[(sum_begin + j) * rows + r] : 0.0;
      v.count = 1;
      out.emit(nearest(r), v);
    }
  }
  NIMBUS_HD MarsClusterSum combine(const MarsClusterSum& a, const MarsClusterSum& b) const {
    MarsClusterSum v;
    for (int64_t j = 0; j < kMarsSummedFeatures; ++j) v.sum[j] = a.sum[j] + b.sum[j];
    v.count = a.count + b.count;
    return v;
  }
};

}  // namespace nimbus::analytics::mapreduce
