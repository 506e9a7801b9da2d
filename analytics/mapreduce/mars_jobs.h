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
#include <cstdint>

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

}  // namespace nimbus::analytics::mapreduce
