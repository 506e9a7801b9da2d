#pragma once
// What a Mars text job's map function reads (Note [Mars jobs] in mars_jobs.h): one map task, a
// chunk of a block of text, with the helpers that find the words and lines belonging to it. All
// of it is single-source (NIMBUS_HD) and free of Thrust: the host loops and GPU threads run the
// same code, and Phoenix's word rules (words.h) decide what a word is.
#include <cstdint>

#include "analytics/mapreduce/words.h"
#include "runtime/macros.h"

namespace nimbus::analytics::mapreduce {

// Bytes [begin, end) of a block: a word or a line, used as a key or matched against.
struct TextRange {
  int64_t begin = 0, end = 0;
  NIMBUS_HD int64_t size() const { return end - begin; }
};

// Note [Who owns a word or a line]
// Tasks cut the block every chunk_bytes bytes, wherever that falls. A word or a line belongs to the
// task holding its first byte and is read to its end, past the task's chunk if need be; a task
// starting inside a word or a line skips the rest of it. So every word and line is mapped exactly
// once, by one task, whatever the chunk size, and the tasks need not agree on anything.
struct TextTask {
  const char* text = nullptr;  // the whole block, in the memory of the system running the job
  int64_t size = 0;
  int64_t begin = 0, end = 0;  // this task's chunk
  int64_t document = 0;        // index of the input file
  int64_t line = 1;            // 1-based number, in its file, of the line holding byte `begin`

  NIMBUS_HD bool word_byte(WordRule rule, int64_t i) const {
    return i >= 0 && i < size && is_word_byte(rule, static_cast<unsigned char>(text[i]));
  }
  NIMBUS_HD bool line_starts_at(int64_t i) const { return i == 0 || (i > 0 && i <= size && text[i - 1] == '\n'); }
  NIMBUS_HD int64_t newlines(int64_t from, int64_t to) const {
    int64_t lines = 0;
    for (int64_t i = from; i < to; ++i) lines += text[i] == '\n';
    return lines;
  }
};

// The first word of `task` at or after byte `from` (Note [Who owns a word or a line]); its begin
// is task.end or more when there is none.
NIMBUS_HD inline TextRange next_word(const TextTask& task, WordRule rule, int64_t from) {
  int64_t i = from;
  if (task.word_byte(rule, i - 1))
    while (i < task.end && task.word_byte(rule, i)) ++i;  // the tail of a word owned before
  while (i < task.end && !task.word_byte(rule, i)) ++i;
  if (i >= task.end) return {task.end, task.end};
  int64_t end = i;
  while (task.word_byte(rule, end)) ++end;
  return {i, end};
}
NIMBUS_HD inline TextRange first_word(const TextTask& task, WordRule rule) { return next_word(task, rule, task.begin); }

// The first line starting at or after byte `from` in `task`, or task.end or more when none does.
NIMBUS_HD inline int64_t next_line_start(const TextTask& task, int64_t from) {
  int64_t i = from;
  while (i < task.end && !task.line_starts_at(i)) ++i;
  return i;
}
NIMBUS_HD inline int64_t first_line_start(const TextTask& task) { return next_line_start(task, task.begin); }

// The line starting at `start`, without its newline and a CR before it: the text Phoenix's map
// sees as TextRecord::line.
NIMBUS_HD inline TextRange line_at(const TextTask& task, int64_t start) {
  int64_t end = start;
  while (end < task.size && task.text[end] != '\n') ++end;
  if (end > start && task.text[end - 1] == '\r') --end;
  return {start, end};
}
// Where the line after the one starting at `start` starts (task.size when there is none).
NIMBUS_HD inline int64_t line_after(const TextTask& task, int64_t start) {
  int64_t i = start;
  while (i < task.size && task.text[i] != '\n') ++i;
  return i < task.size ? i + 1 : task.size;
}

// Whether `range` holds `pattern` (n > 0 bytes, in the same memory as the text).
NIMBUS_HD inline bool contains(const TextTask& task, TextRange range, const char* pattern, int64_t n) {
  for (int64_t at = range.begin; at + n <= range.end; ++at) {
    int64_t k = 0;
    while (k < n && task.text[at + k] == pattern[k]) ++k;
    if (k == n) return true;
  }
  return false;
}

// As ascii_lower_in_place (words.cpp), one byte at a time.
NIMBUS_HD inline char ascii_lower(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return static_cast<char>(c | (static_cast<unsigned char>(c - 'A') < 26 ? 0x20 : 0));
}

}  // namespace nimbus::analytics::mapreduce
