#pragma once
// Helpers for the relational operator tests: columns from literal values (std::nullopt = NULL),
// random tables with nulls, duplicates and strings, and a naive cell model that the brute-force
// references compare with.
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "analytics/column_builder.h"
#include "analytics/table.h"

namespace nimbus::analytics::test {

inline Column int64s(const std::vector<std::optional<int64_t>>& values) {
  ColumnBuilder builder(DataType::int64);
  for (const auto& v : values) v ? builder.append_int64(*v) : builder.append_null();
  return builder.finish();
}
inline Column int32s(const std::vector<std::optional<int32_t>>& values) {
  ColumnBuilder builder(DataType::int32);
  for (const auto& v : values) v ? builder.append_int32(*v) : builder.append_null();
  return builder.finish();
}
inline Column float64s(const std::vector<std::optional<double>>& values) {
  ColumnBuilder builder(DataType::float64);
  for (const auto& v : values) v ? builder.append_float64(*v) : builder.append_null();
  return builder.finish();
}
inline Column float32s(const std::vector<std::optional<float>>& values) {
  ColumnBuilder builder(DataType::float32);
  for (const auto& v : values) v ? builder.append_float32(*v) : builder.append_null();
  return builder.finish();
}
inline Column strings(const std::vector<std::optional<std::string>>& values) {
  ColumnBuilder builder(DataType::string);
  for (const auto& v : values) v ? builder.append_string(*v) : builder.append_null();
  return builder.finish();
}
inline Column bools(const std::vector<std::optional<bool>>& values) {
  ColumnBuilder builder(DataType::boolean);
  for (const auto& v : values) v ? builder.append_bool(*v) : builder.append_null();
  return builder.finish();
}
inline Column dates(const std::vector<std::optional<int32_t>>& days) {
  ColumnBuilder builder(DataType::date32);
  for (const auto& v : days) v ? builder.append_date32(*v) : builder.append_null();
  return builder.finish();
}

// Every value of a column as text ("null" for NULL), for readable expectations.
inline std::vector<std::string> texts(const Column& column) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < column.length(); ++i) out.push_back(column.value_text(i));
  return out;
}

// A cell as the naive references see it: null, or a number (ints, dates and bools as int64,
// floats as double) or a string.
struct Cell {
  bool null = true;
  bool is_float = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

inline Cell cell(const Column& column, int64_t row) {
  Cell c;
  if (column.is_null(row)) return c;
  c.null = false;
  switch (column.type()) {
    case DataType::boolean: c.i = column.bool_value(row); break;
    case DataType::string: c.s = std::string(column.string_value(row)); break;
    case DataType::int32:
    case DataType::date32: c.i = column.value<int32_t>(row); break;
    case DataType::int64:
    case DataType::timestamp: c.i = column.value<int64_t>(row); break;
    case DataType::float32:
      c.is_float = true;
      c.d = column.value<float>(row);
      break;
    case DataType::float64:
      c.is_float = true;
      c.d = column.value<double>(row);
      break;
  }
  return c;
}

// -1, 0, 1 comparing valid cells in DuckDB's order (NaN above every number, -0.0 == 0.0).
inline int compare_values(const Cell& a, const Cell& b) {
  if (a.is_float) {
    const bool na = std::isnan(a.d), nb = std::isnan(b.d);
    if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
    return a.d < b.d ? -1 : (a.d > b.d ? 1 : 0);
  }
  if (a.s != b.s) return a.s < b.s ? -1 : 1;
  return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
}

// A key for std::map grouping: equal for equal SQL keys (NULL equal to NULL, -0.0 to 0.0, NaN to NaN).
inline std::string key_text(const Cell& c) {
  // Appends rather than "literal" + string, which trips GCC 12's false -Wrestrict at -O3.
  std::string text;
  if (c.null) return text.append("N");
  if (c.is_float) return std::isnan(c.d) ? text.append("Fnan") : text.append("F").append(std::to_string(c.d == 0 ? 0.0 : c.d));
  return text.append("V").append(std::to_string(c.i)).append("|").append(c.s);
}

// A random table: "k_int" (int64 in [0, distinct), ~10% NULL), "k_str" (a few strings, NULLs),
// "k_small" (int32 0..2), "v_int" (int32 with NULLs), "v_float" (float64 with NULLs and NaN),
// "v_str" (strings, some empty), "v_date" (date32), "v_bool".
inline Table random_table(int64_t rows, uint32_t seed, int distinct = 20) {
  std::mt19937 random(seed);
  const auto chance = [&](int percent) { return static_cast<int>(random() % 100) < percent; };
  ColumnBuilder k_int(DataType::int64), k_str(DataType::string), k_small(DataType::int32), v_int(DataType::int32),
      v_float(DataType::float64), v_str(DataType::string), v_date(DataType::date32), v_bool(DataType::boolean);
  const char* words[] = {"apple", "Apple", "banana", "", "cherry", "b\xc3\xa9", "zz", "a"};
  for (int64_t r = 0; r < rows; ++r) {
    chance(10) ? k_int.append_null() : k_int.append_int64(static_cast<int64_t>(random() % static_cast<uint32_t>(distinct)) - 5);
    chance(10) ? k_str.append_null() : k_str.append_string(words[random() % 4 + 1]);
    k_small.append_int32(static_cast<int32_t>(random() % 3));
    chance(15) ? v_int.append_null() : v_int.append_int32(static_cast<int32_t>(random() % 2001) - 1000);
    if (chance(10)) v_float.append_null();
    else if (chance(3)) v_float.append_float64(std::nan(""));
    else v_float.append_float64(static_cast<double>(static_cast<int>(random() % 20001) - 10000) / 8.0);
    chance(10) ? v_str.append_null() : v_str.append_string(words[random() % 8]);
    chance(10) ? v_date.append_null() : v_date.append_date32(static_cast<int32_t>(random() % 40000) - 10000);
    chance(10) ? v_bool.append_null() : v_bool.append_bool(random() % 2);
  }
  return Table({"k_int", "k_str", "k_small", "v_int", "v_float", "v_str", "v_date", "v_bool"},
               {k_int.finish(), k_str.finish(), k_small.finish(), v_int.finish(), v_float.finish(), v_str.finish(),
                v_date.finish(), v_bool.finish()});
}

// The same rows as `table` but every column a slice at a nonzero offset of a longer column.
inline Table offset_copy(const Table& table, int64_t pad = 3) {
  std::vector<Column> columns;
  for (const Column& column : table.columns()) {
    ColumnBuilder builder(column.type());
    for (int64_t i = 0; i < pad; ++i) builder.append_null();
    builder.append_column(column);
    builder.append_null();
    columns.push_back(builder.finish().slice(pad, column.length()));
  }
  return Table(table.names(), std::move(columns));
}

// `table` with every string column carrying codes (Note [String codes] in column.h), given in
// reverse order of the strings so that nothing may rely on codes following first appearance; the
// code under a null is the largest. Slices of the columns keep the codes.
inline Table with_string_codes(const Table& table) {
  std::vector<Column> columns;
  for (const Column& column : table.columns()) {
    if (column.type() != DataType::string) {
      columns.push_back(column);
      continue;
    }
    std::map<std::string, uint32_t, std::greater<>> code_of;
    for (int64_t i = 0; i < column.length(); ++i) {
      if (column.is_valid(i)) code_of.emplace(std::string(column.string_value(i)), 0);
    }
    uint32_t next = 0;
    for (auto& [text, code] : code_of) code = next++;
    Buffer codes = Buffer::allocate(static_cast<size_t>(column.offset() + column.length()) * sizeof(uint32_t),
                                    Device::cpu());
    auto* to = static_cast<uint32_t*>(codes.data()) + column.offset();
    for (int64_t i = 0; i < column.length(); ++i) {
      to[i] = column.is_valid(i) ? code_of.at(std::string(column.string_value(i))) : next;
    }
    columns.push_back(column.with_string_codes(std::move(codes), next + 1));
  }
  return Table(table.names(), std::move(columns));
}

}  // namespace nimbus::analytics::test
