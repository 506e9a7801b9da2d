#include "analytics/sql/cell_values.h"

namespace nimbus::analytics::sql {

Value cell_value(const Column& column, int64_t row) {
  if (column.is_null(row)) return Value::null(column.type());
  switch (column.type()) {
    case DataType::boolean: return Value::boolean(column.bool_value(row));
    case DataType::int32: return Value::int32(column.value<int32_t>(row));
    case DataType::date32: return Value::date32(column.value<int32_t>(row));
    case DataType::int64: return Value::int64(column.value<int64_t>(row));
    case DataType::timestamp: return Value::timestamp(column.value<int64_t>(row));
    case DataType::float32: return Value::float32(column.value<float>(row));
    case DataType::float64: return Value::float64(column.value<double>(row));
    case DataType::string: return Value::string(std::string(column.string_value(row)));
  }
  return {};
}

void append_value(ColumnBuilder& builder, const Value& value) {
  if (value.is_null()) {
    builder.append_null();
    return;
  }
  switch (value.type()) {
    case DataType::boolean: builder.append_bool(value.as_bool()); break;
    case DataType::int32: builder.append_int32(static_cast<int32_t>(value.as_int())); break;
    case DataType::date32: builder.append_date32(static_cast<int32_t>(value.as_int())); break;
    case DataType::int64: builder.append_int64(value.as_int()); break;
    case DataType::timestamp: builder.append_timestamp(value.as_int()); break;
    case DataType::float32: builder.append_float32(static_cast<float>(value.as_double())); break;
    case DataType::float64: builder.append_float64(value.as_double()); break;
    case DataType::string: builder.append_string(value.as_string()); break;
  }
}

}  // namespace nimbus::analytics::sql
