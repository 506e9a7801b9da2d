#include "analytics/expr/value.h"

#include "analytics/date_time.h"
#include "analytics/value_text.h"
#include "runtime/error.h"

namespace nimbus::analytics {

Value Value::null(DataType type) {
  Value v;
  v.type_ = type;
  return v;
}

#define NIMBUS_VALUE_FACTORY(name, data_type, field, arg_type) \
  Value Value::name(arg_type value) {                          \
    Value v;                                                   \
    v.type_ = DataType::data_type;                             \
    v.null_ = false;                                           \
    v.field = value;                                           \
    return v;                                                  \
  }
NIMBUS_VALUE_FACTORY(boolean, boolean, int_, bool)
NIMBUS_VALUE_FACTORY(int32, int32, int_, int32_t)
NIMBUS_VALUE_FACTORY(int64, int64, int_, int64_t)
NIMBUS_VALUE_FACTORY(float32, float32, float_, float)
NIMBUS_VALUE_FACTORY(float64, float64, float_, double)
NIMBUS_VALUE_FACTORY(date32, date32, int_, int32_t)
NIMBUS_VALUE_FACTORY(timestamp, timestamp, int_, int64_t)
#undef NIMBUS_VALUE_FACTORY

Value Value::string(std::string value) {
  Value v;
  v.type_ = DataType::string;
  v.null_ = false;
  v.string_ = std::move(value);
  return v;
}

void Value::expect(bool storage_matches, const char* what) const {
  NIMBUS_CHECK_T(DTypeError, !null_ && storage_matches, "Value::", what, ": the value is ", to_sql(), " (",
                 data_type_name(type_), ")");
}

bool Value::as_bool() const {
  expect(type_ == DataType::boolean, "as_bool");
  return int_ != 0;
}
int64_t Value::as_int() const {
  expect(type_ == DataType::int32 || type_ == DataType::int64 || type_ == DataType::date32 ||
             type_ == DataType::timestamp,
         "as_int");
  return int_;
}
double Value::as_double() const {
  expect(type_ == DataType::float32 || type_ == DataType::float64, "as_double");
  return float_;
}
const std::string& Value::as_string() const {
  expect(type_ == DataType::string, "as_string");
  return string_;
}

namespace {

std::string quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';  // SQL doubles a quote inside a string
  }
  return out + "'";
}

// Floats keep a decimal point or exponent so the text reads back as a float, not an integer.
std::string float_text(std::string text) {
  if (text.find_first_of(".eEna") == std::string::npos) text += ".0";
  return text;
}

}  // namespace

std::string Value::to_sql() const {
  if (null_) return "NULL";
  switch (type_) {
    case DataType::boolean: return int_ ? "true" : "false";
    case DataType::int32:
    case DataType::int64: return std::to_string(int_);
    case DataType::float32: return float_text(format_float32(static_cast<float>(float_)));
    case DataType::float64: return float_text(format_float64(float_));
    case DataType::string: return quoted(string_);
    case DataType::date32: return "DATE " + quoted(format_date(static_cast<int32_t>(int_)));
    case DataType::timestamp: return "TIMESTAMP " + quoted(format_timestamp(int_));
  }
  return {};
}

}  // namespace nimbus::analytics
