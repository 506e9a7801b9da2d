#include "analytics/csv/csv_chunks.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

namespace nimbus::analytics::csv {

namespace {

struct RangeCounts {
  int64_t quotes = 0, newlines = 0;
};

// Where the first record in a range starts: after the first newline at even parity.
struct Boundary {
  size_t position = 0;
  int64_t line = 0;
};

// Both counts in one pass, eight bytes at a time: the high bit of each byte of equal_bytes() is set
// exactly where the byte equals the pattern's (no borrows between bytes), so a popcount counts them.
uint64_t equal_bytes(uint64_t word, uint64_t pattern) {
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7Full;
  const uint64_t x = word ^ pattern;
  return ~(((x & kLow7) + kLow7) | x | kLow7);
}

RangeCounts count_quotes_and_newlines(const char* from, const char* to, char quote) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  const uint64_t quotes = kOnes * static_cast<uint8_t>(quote), newlines = kOnes * static_cast<uint8_t>('\n');
  RangeCounts counts;
  for (; to - from >= 8; from += 8) {
    uint64_t word;
    std::memcpy(&word, from, 8);
    counts.quotes += std::popcount(equal_bytes(word, quotes));
    counts.newlines += std::popcount(equal_bytes(word, newlines));
  }
  for (; from < to; ++from) {
    counts.quotes += *from == quote;
    counts.newlines += *from == '\n';
  }
  return counts;
}

}  // namespace

std::vector<Chunk> split_into_chunks(std::string_view text, size_t begin, int64_t first_line, char quote,
                                     int64_t chunk_bytes, int threads) {
  std::vector<Chunk> chunks;
  const size_t total = text.size() - std::min(begin, text.size());
  if (total == 0) return chunks;
  const auto size = static_cast<size_t>(std::max<int64_t>(chunk_bytes, 1));
  const size_t ranges = (total + size - 1) / size;
  if (ranges == 1) return {Chunk{begin, text.size(), first_line}};
  const auto range_begin = [&](size_t r) { return begin + std::min(total, r * size); };

  std::vector<RangeCounts> counts(ranges);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t r = 0; r < ranges; ++r) {
    const char* from = text.data() + range_begin(r);
    const char* to = text.data() + range_begin(r + 1);
    counts[r] = count_quotes_and_newlines(from, to, quote);
  }
  std::vector<int64_t> quotes_before(ranges), lines_before(ranges);
  for (size_t r = 1; r < ranges; ++r) {
    quotes_before[r] = quotes_before[r - 1] + counts[r - 1].quotes;
    lines_before[r] = lines_before[r - 1] + counts[r - 1].newlines;
  }

  std::vector<std::optional<Boundary>> boundaries(ranges);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t r = 1; r < ranges; ++r) {
    bool inside = (quotes_before[r] & 1) != 0;
    int64_t line = first_line + lines_before[r];
    for (size_t i = range_begin(r), end = range_begin(r + 1); i < end; ++i) {
      const char c = text[i];
      if (c == quote) {
        inside = !inside;
      } else if (c == '\n') {
        ++line;
        if (!inside) {
          boundaries[r] = Boundary{i + 1, line};
          break;
        }
      }
    }
  }

  Chunk current{begin, 0, first_line};
  for (size_t r = 1; r < ranges; ++r) {
    if (!boundaries[r] || boundaries[r]->position >= text.size()) continue;
    current.end = boundaries[r]->position;
    chunks.push_back(current);
    current = Chunk{boundaries[r]->position, 0, boundaries[r]->line};
  }
  current.end = text.size();
  chunks.push_back(current);
  return chunks;
}

}  // namespace nimbus::analytics::csv
