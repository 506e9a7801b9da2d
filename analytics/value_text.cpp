#include "analytics/value_text.h"

#include <charconv>

#include "analytics/column.h"
#include "analytics/date_time.h"

namespace nimbus::analytics {

namespace {

template <typename T>
std::string shortest(T value) {
  char text[64];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

}  // namespace

std::string format_float64(double value) { return shortest(value); }
std::string format_float32(float value) { return shortest(value); }

std::string format_value(const Column& column, int64_t i) {
  switch (column.type()) {
    case DataType::boolean:
      return column.bool_value(i) ? "true" : "false";
    case DataType::int32:
      return std::to_string(column.value<int32_t>(i));
    case DataType::int64:
      return std::to_string(column.value<int64_t>(i));
    case DataType::float32:
      return format_float32(column.value<float>(i));
    case DataType::float64:
      return format_float64(column.value<double>(i));
    case DataType::string:
      return std::string(column.string_value(i));
    case DataType::date32:
      return format_date(column.value<int32_t>(i));
    case DataType::timestamp:
      return format_timestamp(column.value<int64_t>(i));
  }
  return {};
}

}  // namespace nimbus::analytics
