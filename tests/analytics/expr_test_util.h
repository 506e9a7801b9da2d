#pragma once
// Small tables for the expression tests: columns from lists with std::nullopt for NULL, results read
// back as text ("null" for NULL) so expectations read like a query result.
#include <optional>
#include <string>
#include <vector>

#include "analytics/column_builder.h"
#include "analytics/date_time.h"
#include "analytics/expr/evaluate.h"
#include "analytics/expr/expr_builders.h"
#include "analytics/table.h"

namespace nimbus::analytics::testing {

template <typename T>
using Opt = std::vector<std::optional<T>>;

inline Column bools(const Opt<bool>& values) {
  ColumnBuilder b(DataType::boolean);
  for (const auto& v : values) v ? b.append_bool(*v) : b.append_null();
  return b.finish();
}
inline Column int32s(const Opt<int32_t>& values) {
  ColumnBuilder b(DataType::int32);
  for (const auto& v : values) v ? b.append_int32(*v) : b.append_null();
  return b.finish();
}
inline Column int64s(const Opt<int64_t>& values) {
  ColumnBuilder b(DataType::int64);
  for (const auto& v : values) v ? b.append_int64(*v) : b.append_null();
  return b.finish();
}
inline Column float32s(const Opt<float>& values) {
  ColumnBuilder b(DataType::float32);
  for (const auto& v : values) v ? b.append_float32(*v) : b.append_null();
  return b.finish();
}
inline Column float64s(const Opt<double>& values) {
  ColumnBuilder b(DataType::float64);
  for (const auto& v : values) v ? b.append_float64(*v) : b.append_null();
  return b.finish();
}
inline Column strings(const Opt<std::string>& values) {
  ColumnBuilder b(DataType::string);
  for (const auto& v : values) v ? b.append_string(*v) : b.append_null();
  return b.finish();
}
inline Column dates(const Opt<std::string>& values) {
  ColumnBuilder b(DataType::date32);
  for (const auto& v : values) v ? b.append_date32(*parse_date(*v)) : b.append_null();
  return b.finish();
}
inline Column timestamps(const Opt<std::string>& values) {
  ColumnBuilder b(DataType::timestamp);
  for (const auto& v : values) v ? b.append_timestamp(*parse_timestamp(*v)) : b.append_null();
  return b.finish();
}

inline std::vector<std::string> texts(const Column& column) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < column.length(); ++i) out.push_back(column.value_text(i));
  return out;
}

using Texts = std::vector<std::string>;

// The expression's values over the table, as text.
inline Texts eval_texts(const ExprPtr& e, const Table& table) { return texts(evaluate(e, table)); }

// The result type the binder gives `e` over `table`.
inline DataType type_of(const ExprPtr& e, const Table& table) { return bind_expr(e, table)->type; }

// The message of the exception `f` throws ("" when it throws none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "";
}

}  // namespace nimbus::analytics::testing
