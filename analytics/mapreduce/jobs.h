#pragma once
// The built-in text jobs, written only against map_reduce.h (the public job API), and their results
// as tables.
//
//   word_count:     word, count                 by count descending, then word ascending
//   grep_count:     file, matching_lines        lines containing a fixed string, per input file
//   inverted_index: word, lines, postings       postings "file:line" in input order, space-separated
//                                               (file is the 1-based input index), by word
#include <string>
#include <vector>

#include "analytics/mapreduce/map_reduce.h"
#include "analytics/mapreduce/mars.h"
#include "analytics/mapreduce/words.h"
#include "analytics/table.h"

namespace nimbus::analytics::mapreduce {

struct WordCountJob {
  using Key = std::string_view;
  using Accumulator = int64_t;
  WordRule rule = WordRule::alnum_lower;

  void prepare(std::string& block) const {
    if (rule == WordRule::alnum_lower) ascii_lower_in_place(block);
  }
  void map(const TextRecord& record, Emitter<WordCountJob>& out) const {
    for_each_word(rule, record.line, [&](std::string_view word) { out.emit(word, int64_t{1}); });
  }
  void combine(int64_t& into, int64_t value) const { into += value; }
  void merge(int64_t& into, int64_t from) const { into += from; }
};

struct GrepCountJob {
  using Key = int64_t;  // the input file's index
  using Accumulator = int64_t;
  std::string pattern;

  void map(const TextRecord& record, Emitter<GrepCountJob>& out) const {
    if (record.line.find(pattern) != std::string_view::npos) out.emit(record.document, int64_t{1});
  }
  void combine(int64_t& into, int64_t value) const { into += value; }
  void merge(int64_t& into, int64_t from) const { into += from; }
};

// A posting: where a word occurs.
struct Posting {
  int64_t document = 0, line = 0;
};

struct InvertedIndexJob {
  using Key = std::string_view;
  using Accumulator = std::vector<Posting>;  // no combiner: values grouped by key, in input order
  WordRule rule = WordRule::alnum_lower;

  void prepare(std::string& block) const {
    if (rule == WordRule::alnum_lower) ascii_lower_in_place(block);
  }
  void map(const TextRecord& record, Emitter<InvertedIndexJob>& out) const {
    for_each_word(rule, record.line, [&](std::string_view word) { out.emit(word, Posting{record.document, record.line_number}); });
  }
  void combine(std::vector<Posting>& into, Posting value) const {
    // A word repeated on one line is one posting.
    if (into.empty() || into.back().document != value.document || into.back().line != value.line) into.push_back(value);
  }
  void merge(std::vector<Posting>& into, std::vector<Posting>&& from) const {
    for (const Posting& p : from) combine(into, p);
  }
};

struct TextJobOptions {
  MapReduceOptions run;
  WordRule rule = WordRule::alnum_lower;
  int64_t top = -1;  // word_count: keep the first `top` rows only (-1: all)
  // Which engine, and where it runs. Phoenix runs on the CPU only; Mars (mars_jobs.h) on the CPU
  // (when built with Thrust, mars_host_available()) or on a device whose library registered it.
  // Both give the same table.
  Strategy strategy = Strategy::phoenix;
  Device device = Device::cpu();
  MarsOptions mars;
};

NIMBUS_API Table word_count(TextSource& source, const TextJobOptions& options = {});
NIMBUS_API Table grep_count(TextSource& source, const std::string& pattern, const TextJobOptions& options = {});
NIMBUS_API Table inverted_index(TextSource& source, const TextJobOptions& options = {});

}  // namespace nimbus::analytics::mapreduce
