#include "analytics/csv/csv_values.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "analytics/date_time.h"
#include "runtime/error.h"

namespace nimbus::analytics::csv {

namespace {

// from_chars takes no '+'; accept one in front of a digit or a point, nothing else ("+-1", "++1").
std::string_view without_plus(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '+' && text[1] != '-') text.remove_prefix(1);
  return text;
}

bool equals_ignoring_case(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

enum class Outcome { ok, not_parsed, out_of_range };

template <typename T>
Outcome parse_number(std::string_view text, T& value) {
  const std::string_view digits = without_plus(text);
  if (digits.empty()) return Outcome::not_parsed;
  const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (end != digits.data() + digits.size()) return Outcome::not_parsed;
  if (err == std::errc::result_out_of_range) return Outcome::out_of_range;
  return err == std::errc() ? Outcome::ok : Outcome::not_parsed;
}

// Values quoted in messages are cut, so that a runaway field does not flood the terminal.
std::string shown(std::string_view text) {
  constexpr size_t kMax = 60;
  std::string result = "'";
  result.append(text.substr(0, kMax));
  if (text.size() <= kMax) return result.append("'");
  return result.append("...' (").append(std::to_string(text.size())).append(" bytes)");
}

template <typename T>
std::string parse_integer(std::string_view text, DataType type, T& value) {
  const Outcome outcome = parse_number(text, value);
  if (outcome == Outcome::ok) return {};
  if (outcome == Outcome::out_of_range) return detail::concat(shown(text), " is outside the ", data_type_name(type), " range");
  return detail::concat(shown(text), " is not an integer");
}

template <typename T>
std::string parse_float(std::string_view text, DataType type, bool allow_non_finite, T& value) {
  const Outcome outcome = parse_number(text, value);
  if (outcome == Outcome::out_of_range)
    return detail::concat(shown(text), " is outside the range of ", data_type_name(type));
  if (outcome != Outcome::ok) return detail::concat(shown(text), " is not a number");
  if (!allow_non_finite && !std::isfinite(value)) return detail::concat(shown(text), " is not a finite number");
  return {};
}

// "[+-]digits" with 1 to 18 digits: always in int64's range, and read exactly as from_chars would
// (a '+' in front of a digit is allowed, as in without_plus). False means "ask from_chars".
bool plain_integer(std::string_view text, int64_t& value) {
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  const auto digits = end - p;
  if (digits < 1 || digits > 18) return false;
  uint64_t magnitude = 0;
  for (; p != end; ++p) {
    const auto digit = static_cast<unsigned>(*p - '0');
    if (digit > 9) return false;
    magnitude = magnitude * 10 + digit;
  }
  value = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
  return true;
}

// "[+-]digits[.digits]" with at most 15 digits in all: the digits as an integer w < 2^53 and the
// power 10^k are both exact doubles, so the one division w / 10^k is correctly rounded, which is
// what from_chars returns too (Clinger's fast path). False means "ask from_chars".
bool plain_decimal(std::string_view text, double& value) {
  static constexpr double kPowers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  uint64_t mantissa = 0;
  int digits = 0, fraction = -1;  // fraction: digits after the point, -1 before it
  const char* const first = p;
  for (; p != end; ++p) {
    const auto digit = static_cast<unsigned>(*p - '0');
    if (digit <= 9) {
      mantissa = mantissa * 10 + digit;
      ++digits;
      if (fraction >= 0) ++fraction;
    } else if (*p == '.' && fraction < 0 && p != first) {
      fraction = 0;
    } else {
      return false;
    }
  }
  if (digits == 0 || digits > 15 || fraction == 0) return false;  // "", too long, "1."
  const double magnitude = static_cast<double>(mantissa) / kPowers[fraction < 0 ? 0 : fraction];
  value = negative ? -magnitude : magnitude;
  return true;
}

}  // namespace

bool parse_scalar(std::string_view text, DataType type, bool allow_non_finite, Scalar& value) {
  switch (type) {
    case DataType::int32: {
      int64_t wide = 0;
      const size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
      if (text.size() - sign <= 9 && plain_integer(text, wide)) {  // at most 9 digits: fits
        value.i32 = static_cast<int32_t>(wide);
        return true;
      }
      return parse_number(text, value.i32) == Outcome::ok;
    }
    case DataType::int64:
      if (plain_integer(text, value.i64)) return true;
      return parse_number(text, value.i64) == Outcome::ok;
    case DataType::float64:
      if (plain_decimal(text, value.f64)) return true;
      return parse_float(text, type, allow_non_finite, value.f64).empty();
    case DataType::float32: return parse_float(text, type, allow_non_finite, value.f32).empty();
    case DataType::boolean: {
      const bool is_true = equals_ignoring_case(text, "true");
      value.b = is_true;
      return is_true || equals_ignoring_case(text, "false");
    }
    case DataType::date32: {
      const auto days = parse_date(text);
      if (days) value.i32 = *days;
      return days.has_value();
    }
    case DataType::timestamp: {
      auto micros = parse_timestamp(text);
      if (!micros) {
        if (const auto days = parse_date(text)) micros = int64_t{*days} * 86400 * 1000000;
      }
      if (micros) value.i64 = *micros;
      return micros.has_value();
    }
    case DataType::string: return false;
  }
  return false;
}

bool fits_inferred(std::string_view text, DataType type, bool allow_non_finite, Scalar& value) {
  switch (type) {
    case DataType::int32:
    case DataType::int64:
    case DataType::float64: return parse_scalar(text, type, allow_non_finite, value);
    default:
      return (candidate_types(text, allow_non_finite) & type_bit(type)) != 0 &&
             parse_scalar(text, type, allow_non_finite, value);
  }
}

uint8_t candidate_types(std::string_view text, bool allow_non_finite) {
  if (text.empty()) return kStringBit;
  if (equals_ignoring_case(text, "true") || equals_ignoring_case(text, "false")) return kBoolBit | kStringBit;
  const char first = text[0];
  const bool numeric_start = (first >= '0' && first <= '9') || first == '-' || first == '+' || first == '.' ||
                             first == 'i' || first == 'I' || first == 'n' || first == 'N';
  if (numeric_start) {
    int64_t integer = 0;
    if (parse_number(text, integer) == Outcome::ok) {
      const bool fits32 = integer >= std::numeric_limits<int32_t>::min() && integer <= std::numeric_limits<int32_t>::max();
      return (fits32 ? kInt32Bit : 0) | kInt64Bit | kFloat64Bit | kStringBit;
    }
    double real = 0;
    if (parse_number(text, real) == Outcome::ok && (allow_non_finite || std::isfinite(real)))
      return kFloat64Bit | kStringBit;
  }
  if (text.size() == 10 && parse_date(text)) return kDateBit | kTimestampBit | kStringBit;
  if (text.size() >= 19 && parse_timestamp(text)) return kTimestampBit | kStringBit;
  return kStringBit;
}

DataType inferred_type(uint8_t mask) {
  if (mask == kAllTypeBits) return DataType::string;
  if (mask & kBoolBit) return DataType::boolean;
  if (mask & kInt32Bit) return DataType::int32;
  if (mask & kInt64Bit) return DataType::int64;
  if (mask & kFloat64Bit) return DataType::float64;
  if (mask & kDateBit) return DataType::date32;
  if (mask & kTimestampBit) return DataType::timestamp;
  return DataType::string;
}

uint8_t type_bit(DataType type) {
  switch (type) {
    case DataType::boolean: return kBoolBit;
    case DataType::int32: return kInt32Bit;
    case DataType::int64: return kInt64Bit;
    case DataType::float32:
    case DataType::float64: return kFloat64Bit;
    case DataType::date32: return kDateBit;
    case DataType::timestamp: return kTimestampBit;
    case DataType::string: return kStringBit;
  }
  return kStringBit;
}

std::string parse_value(std::string_view text, DataType type, bool allow_non_finite, ColumnBuilder* builder) {
  std::string problem;
  switch (type) {
    case DataType::boolean: {
      const bool is_true = equals_ignoring_case(text, "true");
      if (!is_true && !equals_ignoring_case(text, "false")) return detail::concat(shown(text), " is not a boolean (true or false)");
      if (builder) builder->append_bool(is_true);
      return {};
    }
    case DataType::int32: {
      int32_t value = 0;
      problem = parse_integer(text, type, value);
      if (problem.empty() && builder) builder->append_int32(value);
      return problem;
    }
    case DataType::int64: {
      int64_t value = 0;
      problem = parse_integer(text, type, value);
      if (problem.empty() && builder) builder->append_int64(value);
      return problem;
    }
    case DataType::float32: {
      float value = 0;
      problem = parse_float(text, type, allow_non_finite, value);
      if (problem.empty() && builder) builder->append_float32(value);
      return problem;
    }
    case DataType::float64: {
      double value = 0;
      problem = parse_float(text, type, allow_non_finite, value);
      if (problem.empty() && builder) builder->append_float64(value);
      return problem;
    }
    case DataType::string:
      if (builder) builder->append_string(text);
      return {};
    case DataType::date32: {
      const auto days = parse_date(text);
      if (!days) return detail::concat(shown(text), " is not a date (YYYY-MM-DD)");
      if (builder) builder->append_date32(*days);
      return {};
    }
    case DataType::timestamp: {
      // A date alone is midnight, so a column mixing dates and timestamps reads as timestamps.
      auto micros = parse_timestamp(text);
      if (!micros) {
        if (const auto days = parse_date(text)) micros = int64_t{*days} * 86400 * 1000000;
      }
      if (!micros) return detail::concat(shown(text), " is not a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff])");
      if (builder) builder->append_timestamp(*micros);
      return {};
    }
  }
  return "unknown type";
}

}  // namespace nimbus::analytics::csv
