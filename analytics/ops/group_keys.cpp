// group_keys: group ids for group_by and distinct.
//
// Note [Direct-indexed keys]
// Most group-by keys span a small domain: small integers (ids, years, flags), strings (whose key
// words are dictionary codes 0, 1, 2, ...), and combinations of a few of them. When every key
// word w of the encoded keys (Note [Key words]), null word included, spans a range of span_w
// values and the product of the spans is at most kMaxDirectSlots (and not far above the row
// count), the key of a row is one number in [0, product), a mixed-radix code:
//   code = sum_w (word_w - min_w) * stride_w,   stride_w = product of span_v for v < w,
// and a slot array indexed by the code replaces the hash table: no hashes, no probing, no key
// comparisons, no partitions. Rows are read in order and each new code gets the next group id,
// so groups are numbered by first appearance exactly as build_group_index numbers them.
// Wider domains (floats, wide integer ranges, many key columns) go through build_group_index.
#include <algorithm>
#include <limits>
#include <optional>

#include "analytics/ops/group_index.h"
#include "analytics/ops/ops_parallel.h"

namespace nimbus::analytics::detail {

namespace {

constexpr uint64_t kMaxDirectSlots = uint64_t{1} << 24;  // 64 MiB of int32 slots at most
constexpr uint64_t kMinDirectSlots = uint64_t{1} << 16;  // allowed even for short inputs
constexpr int64_t kRangeGrain = 65536;

struct WordRange {
  int64_t min = std::numeric_limits<int64_t>::max();
  int64_t max = std::numeric_limits<int64_t>::min();
};

// The range of each key word, as int64 (integer keys are signed; codes and null flags small).
std::vector<WordRange> word_ranges(const EncodedKeys& keys, int threads) {
  const auto width = static_cast<size_t>(keys.width);
  const int64_t pieces = piece_count(keys.rows, threads, kRangeGrain);
  std::vector<std::vector<WordRange>> partial(static_cast<size_t>(pieces), std::vector<WordRange>(width));
  run_pieces(keys.rows, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    std::vector<WordRange>& ranges = partial[static_cast<size_t>(piece)];
    for (size_t w = 0; w < width; ++w) {
      int64_t lo = ranges[w].min, hi = ranges[w].max;
      for (int64_t i = begin; i < end; ++i) {
        const auto word = static_cast<int64_t>(keys.words[static_cast<size_t>(i) * width + w]);
        lo = std::min(lo, word);
        hi = std::max(hi, word);
      }
      ranges[w] = {lo, hi};
    }
  });
  std::vector<WordRange> ranges(width);
  for (const auto& piece : partial) {
    for (size_t w = 0; w < width; ++w) {
      ranges[w].min = std::min(ranges[w].min, piece[w].min);
      ranges[w].max = std::max(ranges[w].max, piece[w].max);
    }
  }
  return ranges;
}

// Numbers the codes code(i) of rows 0..rows-1 by first appearance.
template <typename Code>
GroupIds number_codes(int64_t rows, uint64_t domain, const Code& code) {
  GroupIds ids;
  std::vector<int32_t> slots(domain, -1);
  ids.group_of_row.resize(static_cast<size_t>(rows));
  int32_t next = 0;
  for (int64_t i = 0; i < rows; ++i) {
    int32_t& slot = slots[code(i)];
    if (slot < 0) {
      slot = next++;
      ids.first_row.push_back(i);
    }
    ids.group_of_row[static_cast<size_t>(i)] = slot;
  }
  ids.num_groups = next;
  return ids;
}

GroupIds direct_group_ids(const EncodedKeys& keys, const std::vector<WordRange>& ranges, uint64_t domain) {
  const uint64_t* words = keys.words.data();
  if (keys.width == 1) {
    const auto min = static_cast<uint64_t>(ranges[0].min);
    return number_codes(keys.rows, domain, [&](int64_t i) { return words[i] - min; });
  }
  std::vector<uint64_t> mins, strides;
  uint64_t stride = 1;
  for (const WordRange& range : ranges) {
    mins.push_back(static_cast<uint64_t>(range.min));
    strides.push_back(stride);
    stride *= static_cast<uint64_t>(range.max) - static_cast<uint64_t>(range.min) + 1;
  }
  const auto width = static_cast<size_t>(keys.width);
  return number_codes(keys.rows, domain, [&](int64_t i) {
    const uint64_t* row = words + static_cast<size_t>(i) * width;
    uint64_t code = 0;
    for (size_t w = 0; w < width; ++w) code += (row[w] - mins[w]) * strides[w];
    return code;
  });
}

// The product of the word spans, or 0 when it passes `limit`.
uint64_t direct_domain(const std::vector<WordRange>& ranges, uint64_t limit) {
  uint64_t domain = 1;
  for (const WordRange& range : ranges) {
    const uint64_t span = static_cast<uint64_t>(range.max) - static_cast<uint64_t>(range.min) + 1;
    if (span == 0 || span > limit || domain > limit / span) return 0;  // span 0: the full 64-bit range
    domain *= span;
  }
  return domain;
}

uint64_t direct_limit(int64_t rows) {
  return std::min(kMaxDirectSlots, std::max(kMinDirectSlots, static_cast<uint64_t>(rows) * 2));
}

// The range of an integer column's values, on up to `threads` threads.
template <typename T>
WordRange value_range(const T* values, int64_t rows, int threads) {
  const int64_t pieces = piece_count(rows, threads, kRangeGrain);
  std::vector<WordRange> partial(static_cast<size_t>(pieces));
  run_pieces(rows, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    WordRange range;
    for (int64_t i = begin; i < end; ++i) {
      range.min = std::min<int64_t>(range.min, values[i]);
      range.max = std::max<int64_t>(range.max, values[i]);
    }
    partial[static_cast<size_t>(piece)] = range;
  });
  WordRange range;
  for (const WordRange& piece : partial) range = {std::min(range.min, piece.min), std::max(range.max, piece.max)};
  return range;
}

// One key column read as a digit of the mixed-radix code: integers, or a string column's codes.
struct KeyDigit {
  const int32_t* i32 = nullptr;
  const int64_t* i64 = nullptr;
  const uint32_t* codes = nullptr;
  uint64_t min = 0, stride = 1;

  uint64_t at(int64_t i) const {
    const int64_t v = i32 != nullptr ? i32[i] : i64 != nullptr ? i64[i] : static_cast<int64_t>(codes[i]);
    return (static_cast<uint64_t>(v) - min) * stride;
  }
};

// The commonest keys, a few integer or string columns without NULLs, are indexed straight from
// their values and string codes (Note [String codes] in column.h): the key words would be a copy
// of the columns, on large inputs a fresh allocation's page faults and two more passes over
// memory for nothing. Same codes and group numbering as the words would give.
std::optional<GroupIds> column_group_ids(const std::vector<Column>& columns, int threads) {
  const int64_t rows = columns[0].length();
  std::vector<KeyDigit> digits;
  std::vector<WordRange> ranges;
  for (const Column& column : columns) {
    if (column.has_nulls()) return std::nullopt;
    KeyDigit digit;
    WordRange range;
    switch (column.type()) {
      case DataType::int32:
      case DataType::date32:
        digit.i32 = column.values<int32_t>();
        range = value_range(digit.i32, rows, threads);
        break;
      case DataType::int64:
      case DataType::timestamp:
        digit.i64 = column.values<int64_t>();
        range = value_range(digit.i64, rows, threads);
        break;
      case DataType::string:
        if (!column.ensure_string_codes(threads)) return std::nullopt;
        digit.codes = column.string_codes();
        range = {0, column.string_code_count() - 1};
        break;
      default: return std::nullopt;
    }
    digit.min = static_cast<uint64_t>(range.min);
    digits.push_back(digit);
    ranges.push_back(range);
  }
  const uint64_t domain = direct_domain(ranges, direct_limit(rows));
  if (domain == 0) return std::nullopt;
  uint64_t stride = 1;
  for (size_t k = 0; k < digits.size(); ++k) {
    digits[k].stride = stride;
    stride *= static_cast<uint64_t>(ranges[k].max) - static_cast<uint64_t>(ranges[k].min) + 1;
  }
  // One column, the commonest key: a loop of its own type, without the digit's branches.
  if (digits.size() == 1) {
    const KeyDigit d = digits[0];
    if (d.i32 != nullptr) return number_codes(rows, domain, [&](int64_t i) { return static_cast<uint64_t>(int64_t{d.i32[i]}) - d.min; });
    if (d.i64 != nullptr) return number_codes(rows, domain, [&](int64_t i) { return static_cast<uint64_t>(d.i64[i]) - d.min; });
    return number_codes(rows, domain, [&](int64_t i) { return uint64_t{d.codes[i]} - d.min; });
  }
  return number_codes(rows, domain, [&](int64_t i) {
    uint64_t code = 0;
    for (const KeyDigit& digit : digits) code += digit.at(i);
    return code;
  });
}

}  // namespace

GroupIds group_keys(const std::vector<Column>& columns, int threads) {
  if (!columns.empty() && columns[0].length() > 0) {
    if (std::optional<GroupIds> ids = column_group_ids(columns, threads)) return std::move(*ids);
  }
  EncodedKeys keys = encode_keys(columns, NullKeys::group_together, threads, /*with_hashes=*/false);
  if (keys.rows > 0) {
    const uint64_t limit = direct_limit(keys.rows);
    const std::vector<WordRange> ranges = word_ranges(keys, threads);
    const uint64_t domain = direct_domain(ranges, limit);
    if (domain > 0) return direct_group_ids(keys, ranges, domain);
  }
  hash_keys(keys, threads);
  GroupIndex index = build_group_index(keys, threads);
  return {index.num_groups, std::move(index.group_of_row), std::move(index.first_row)};
}

}  // namespace nimbus::analytics::detail
