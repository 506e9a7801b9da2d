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

}  // namespace

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
