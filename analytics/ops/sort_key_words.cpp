#include "analytics/ops/sort_key_words.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string_view>
#include <unordered_map>

#include "analytics/ops/ops_parallel.h"

namespace nimbus::analytics::detail {

namespace {

constexpr int64_t kNormalizeGrain = 32768;

uint64_t ordered_word(int64_t value) { return static_cast<uint64_t>(value) ^ (uint64_t{1} << 63); }

uint64_t ordered_word(double value) {
  if (std::isnan(value)) return ~uint64_t{0};  // above +inf, whose word is 0xfff0...
  if (value == 0) value = 0.0;
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
}

// One part of a row's key (Note [Normalized sort keys]) before shifting and packing.
struct Part {
  std::vector<uint64_t> values;  // one per row
  uint64_t min = ~uint64_t{0};
  uint64_t max = 0;
  bool descending = false;
  int bits() const { return max < min ? 0 : static_cast<int>(std::bit_width(max - min)); }
};

template <typename T>
void fill_numbers(const Column& column, Part& part, int threads) {
  const T* values = column.values<T>();
  run_pieces(column.length(), piece_count(column.length(), threads, kNormalizeGrain), threads,
             [&](int64_t, int64_t begin, int64_t end) {
               for (int64_t i = begin; i < end; ++i) {
                 if constexpr (std::is_floating_point_v<T>) part.values[static_cast<size_t>(i)] = ordered_word(static_cast<double>(values[i]));
                 else part.values[static_cast<size_t>(i)] = ordered_word(static_cast<int64_t>(values[i]));
               }
             });
}

// Ranks of the strings among the column's distinct values.
void fill_string_ranks(const Column& column, Part& part) {
  std::unordered_map<std::string_view, uint64_t> codes;
  std::vector<std::string_view> distinct;
  for (int64_t i = 0; i < column.length(); ++i) {
    if (column.is_null(i)) continue;
    const auto [it, added] = codes.try_emplace(column.string_value(i), distinct.size());
    if (added) distinct.push_back(it->first);
    part.values[static_cast<size_t>(i)] = it->second;
  }
  std::vector<uint64_t> order(distinct.size());
  std::iota(order.begin(), order.end(), uint64_t{0});
  // string_view compares through char_traits<char>, which compares as unsigned char: bytewise.
  std::sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) { return distinct[a] < distinct[b]; });
  std::vector<uint64_t> rank(distinct.size());
  for (size_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
  for (int64_t i = 0; i < column.length(); ++i) {
    if (column.is_valid(i)) part.values[static_cast<size_t>(i)] = rank[part.values[static_cast<size_t>(i)]];
  }
}

Part value_part(const Column& column, const SortKey& key, int threads) {
  Part part;
  part.descending = key.descending;
  part.values.assign(static_cast<size_t>(column.length()), 0);
  switch (column.type()) {
    case DataType::boolean:
      for (int64_t i = 0; i < column.length(); ++i) part.values[static_cast<size_t>(i)] = column.bool_value(i);
      break;
    case DataType::string: fill_string_ranks(column, part); break;
    case DataType::int32:
    case DataType::date32: fill_numbers<int32_t>(column, part, threads); break;
    case DataType::int64:
    case DataType::timestamp: fill_numbers<int64_t>(column, part, threads); break;
    case DataType::float32: fill_numbers<float>(column, part, threads); break;
    case DataType::float64: fill_numbers<double>(column, part, threads); break;
  }
  // The range counts valid rows only; a null's value part is set to the minimum (it never decides
  // the order: the null flag before it does, and nulls tie with each other).
  for (int64_t i = 0; i < column.length(); ++i) {
    if (column.is_null(i)) continue;
    part.min = std::min(part.min, part.values[static_cast<size_t>(i)]);
    part.max = std::max(part.max, part.values[static_cast<size_t>(i)]);
  }
  for (int64_t i = 0; i < column.length(); ++i) {
    uint64_t& v = part.values[static_cast<size_t>(i)];
    if (column.is_null(i) || part.max < part.min) v = 0;
    else v = part.descending ? part.max - v : v - part.min;
  }
  return part;
}

Part null_part(const Column& column, NullOrder nulls) {
  Part part;
  part.values.resize(static_cast<size_t>(column.length()));
  const uint64_t null_value = nulls == NullOrder::first ? 0 : 1;
  for (int64_t i = 0; i < column.length(); ++i) {
    part.values[static_cast<size_t>(i)] = column.is_null(i) ? null_value : 1 - null_value;
  }
  part.min = 0;
  part.max = 1;
  return part;
}

}  // namespace

SortKeyWords normalize_sort_keys(const std::vector<Column>& columns, const std::vector<SortKey>& keys, int threads) {
  SortKeyWords out;
  out.rows = columns.empty() ? 0 : columns[0].length();
  std::vector<Part> parts;
  for (size_t k = 0; k < keys.size(); ++k) {
    if (columns[k].has_nulls()) parts.push_back(null_part(columns[k], keys[k].nulls));
    parts.push_back(value_part(columns[k], keys[k], threads));
  }
  // Assign each part (with bits > 0) a word and a shift, most significant part first.
  struct Placement {
    size_t part;
    int word;
    int shift;
  };
  std::vector<Placement> placements;
  int free_bits = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    const int bits = parts[p].bits();
    if (bits == 0) continue;
    if (bits > free_bits) {
      out.used_bits.push_back(0);
      free_bits = 64;
    }
    free_bits -= bits;
    out.used_bits.back() += bits;
    placements.push_back({p, static_cast<int>(out.used_bits.size()) - 1, free_bits});
  }
  out.width = static_cast<int>(out.used_bits.size());
  out.words.assign(static_cast<size_t>(out.rows * out.width), 0);
  run_pieces(out.rows, piece_count(out.rows, threads, kNormalizeGrain), threads, [&](int64_t, int64_t begin, int64_t end) {
    for (const Placement& place : placements) {
      const std::vector<uint64_t>& values = parts[place.part].values;
      for (int64_t i = begin; i < end; ++i) {
        out.words[static_cast<size_t>(i * out.width + place.word)] |= values[static_cast<size_t>(i)] << place.shift;
      }
    }
  });
  return out;
}

}  // namespace nimbus::analytics::detail
