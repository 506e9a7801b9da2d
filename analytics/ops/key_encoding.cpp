#include "analytics/ops/key_encoding.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "analytics/ops/ops_parallel.h"
#include "analytics/ops/string_dictionary.h"

namespace nimbus::analytics::detail {

namespace {

constexpr int64_t kEncodeGrain = 32768;

// The float64 bits that stand for `value` as a key: -0.0 as 0.0 and one NaN for all NaNs.
uint64_t float_word(double value) {
  if (std::isnan(value)) return 0x7ff8000000000000ULL;
  if (value == 0) value = 0.0;
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

template <typename T>
void encode_values(const Column& column, int column_index, EncodedKeys& keys, int threads) {
  const T* values = column.values<T>();
  run_pieces(keys.rows, piece_count(keys.rows, threads, kEncodeGrain), threads, [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      uint64_t word;
      if constexpr (std::is_floating_point_v<T>) word = float_word(static_cast<double>(values[i]));
      else word = static_cast<uint64_t>(static_cast<int64_t>(values[i]));
      keys.words[static_cast<size_t>(i * keys.width + column_index)] = word;
    }
  });
}

void encode_bools(const Column& column, int column_index, EncodedKeys& keys) {
  const auto* bits = static_cast<const uint8_t*>(column.data().data());
  for (int64_t i = 0; i < keys.rows; ++i) {
    keys.words[static_cast<size_t>(i * keys.width + column_index)] = get_bit(bits, column.offset() + i);
  }
}

constexpr int64_t kStringGrain = 65536;

// Codes rows [begin, end) of a string column into its key words with `codes`.
void encode_string_rows(const Column& column, int column_index, EncodedKeys& keys, StringDictionary& codes, int64_t begin,
                        int64_t end) {
  const int32_t* offsets = column.raw_offsets();
  const char* chars = column.raw_chars();
  const bool nulls = column.has_nulls();
  uint64_t* words = keys.words.data() + column_index;
  for (int64_t i = begin; i < end; ++i) {
    if (nulls && column.is_null(i)) continue;  // the null pass writes its word
    const std::string_view text(chars + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i]));
    words[i * keys.width] = codes.code(text);
  }
}

// Each piece of rows is coded with its own dictionary in parallel; the pieces' dictionaries are
// then added to the shared one in piece order, so every string still gets the code of its first
// appearance (the same codes as a sequential pass), and a last parallel pass rewrites the words.
void encode_strings(const Column& column, int column_index, EncodedKeys& keys, StringDictionary& codes, int threads) {
  const int64_t pieces = piece_count(keys.rows, threads, kStringGrain);
  if (pieces == 1) {
    encode_string_rows(column, column_index, keys, codes, 0, keys.rows);
    return;
  }
  std::vector<StringDictionary> local(static_cast<size_t>(pieces));
  run_pieces(keys.rows, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    encode_string_rows(column, column_index, keys, local[static_cast<size_t>(piece)], begin, end);
  });
  std::vector<std::vector<uint64_t>> shared(static_cast<size_t>(pieces));
  for (size_t p = 0; p < local.size(); ++p) {
    for (int64_t code = 0; code < local[p].size(); ++code) shared[p].push_back(codes.code(local[p].text(code)));
  }
  const bool nulls = column.has_nulls();
  run_pieces(keys.rows, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    const std::vector<uint64_t>& to_shared = shared[static_cast<size_t>(piece)];
    uint64_t* words = keys.words.data() + column_index;
    for (int64_t i = begin; i < end; ++i) {
      if (nulls && column.is_null(i)) continue;
      uint64_t& word = words[i * keys.width];
      word = to_shared[word];
    }
  });
}

// A string column's own codes as its key words (Note [String codes] in column.h): for a single key
// set only, since two columns' codes come from different dictionaries.
void encode_string_codes(const Column& column, int column_index, EncodedKeys& keys, int threads) {
  const uint32_t* codes = column.string_codes();
  run_pieces(keys.rows, piece_count(keys.rows, threads, kEncodeGrain), threads, [&](int64_t, int64_t begin, int64_t end) {
    uint64_t* words = keys.words.data() + column_index;
    for (int64_t i = begin; i < end; ++i) words[i * keys.width] = codes[i];
  });
}

void encode_column(const Column& column, int column_index, EncodedKeys& keys, StringDictionary& codes, int threads,
                   bool own_codes) {
  switch (column.type()) {
    case DataType::boolean: encode_bools(column, column_index, keys); break;
    case DataType::string:
      if (own_codes && column.ensure_string_codes(threads)) encode_string_codes(column, column_index, keys, threads);
      else encode_strings(column, column_index, keys, codes, threads);
      break;
    case DataType::int32:
    case DataType::date32: encode_values<int32_t>(column, column_index, keys, threads); break;
    case DataType::int64:
    case DataType::timestamp: encode_values<int64_t>(column, column_index, keys, threads); break;
    case DataType::float32: encode_values<float>(column, column_index, keys, threads); break;
    case DataType::float64: encode_values<double>(column, column_index, keys, threads); break;
  }
}

// Zeroes the value words of nulls and records them as the null word's bits or as skipped rows.
void encode_nulls(const Column& column, int column_index, int key_columns, NullKeys nulls, EncodedKeys& keys) {
  if (!column.has_nulls()) return;
  if (nulls == NullKeys::never_match && keys.skip.empty()) keys.skip.assign(static_cast<size_t>(keys.rows), 0);
  for (int64_t i = 0; i < keys.rows; ++i) {
    if (column.is_valid(i)) continue;
    uint64_t* row = keys.words.data() + i * keys.width;
    row[column_index] = 0;
    if (nulls == NullKeys::never_match) keys.skip[static_cast<size_t>(i)] = 1;
    else row[key_columns] |= uint64_t{1} << column_index;
  }
}

}  // namespace

void hash_keys(EncodedKeys& keys, int threads) {
  keys.hashes.resize(static_cast<size_t>(keys.rows));
  run_pieces(keys.rows, piece_count(keys.rows, threads, kEncodeGrain), threads, [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) keys.hashes[static_cast<size_t>(i)] = hash_words(keys.row(i), keys.width);
  });
}

bool keys_comparable(DataType a, DataType b) {
  const auto integer = [](DataType t) { return t == DataType::int32 || t == DataType::int64; };
  const auto floating = [](DataType t) { return t == DataType::float32 || t == DataType::float64; };
  return a == b || (integer(a) && integer(b)) || (floating(a) && floating(b));
}

std::vector<EncodedKeys> encode_key_sets(const std::vector<std::vector<Column>>& sets, NullKeys nulls, int threads,
                                         bool with_hashes) {
  NIMBUS_CHECK(!sets.empty() && !sets[0].empty(), "key encoding: no key columns");
  const auto key_columns = static_cast<int>(sets[0].size());
  NIMBUS_CHECK(key_columns <= 64, "key encoding: at most 64 key columns, got ", key_columns);
  bool any_nulls = false;
  for (const auto& set : sets) {
    NIMBUS_CHECK(static_cast<int>(set.size()) == key_columns, "key encoding: key sets of ", key_columns, " and ",
                 set.size(), " columns");
    for (size_t c = 0; c < set.size(); ++c) {
      NIMBUS_CHECK_T(DTypeError, keys_comparable(set[c].type(), sets[0][c].type()), "key encoding: key column ", c + 1,
                     " is ", data_type_name(sets[0][c].type()), " in one input and ", data_type_name(set[c].type()),
                     " in another");
      NIMBUS_CHECK_T(ShapeError, set[c].length() == set[0].length(), "key encoding: key columns of ",
                     set[0].length(), " and ", set[c].length(), " rows");
      any_nulls = any_nulls || set[c].has_nulls();
    }
  }
  const int width = key_columns + (nulls == NullKeys::group_together && any_nulls ? 1 : 0);

  std::vector<StringDictionary> codes(static_cast<size_t>(key_columns));  // one dictionary per key position
  std::vector<EncodedKeys> encoded(sets.size());
  for (size_t s = 0; s < sets.size(); ++s) {
    EncodedKeys& keys = encoded[s];
    keys.rows = sets[s][0].length();
    keys.width = width;
    keys.words.assign(static_cast<size_t>(keys.rows * width), 0);
    for (int c = 0; c < key_columns; ++c) {
      encode_column(sets[s][static_cast<size_t>(c)], c, keys, codes[static_cast<size_t>(c)], threads,
                    /*own_codes=*/sets.size() == 1);
      encode_nulls(sets[s][static_cast<size_t>(c)], c, key_columns, nulls, keys);
    }
    if (with_hashes) hash_keys(keys, threads);
  }
  return encoded;
}

EncodedKeys prepend_word(const EncodedKeys& keys, const std::vector<int64_t>& prefix, int threads) {
  EncodedKeys out;
  out.rows = keys.rows;
  out.width = keys.width + 1;
  out.skip = keys.skip;
  out.words.resize(static_cast<size_t>(out.rows * out.width));
  for (int64_t i = 0; i < keys.rows; ++i) {
    uint64_t* row = out.words.data() + i * out.width;
    row[0] = static_cast<uint64_t>(prefix[static_cast<size_t>(i)]);
    std::copy(keys.row(i), keys.row(i) + keys.width, row + 1);
  }
  hash_keys(out, threads);
  return out;
}

}  // namespace nimbus::analytics::detail
