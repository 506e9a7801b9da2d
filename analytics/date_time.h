#pragma once
// Calendar dates and timestamps as the integers columns store: date32 = days since 1970-01-01,
// timestamp = microseconds since 1970-01-01 00:00:00 (proleptic Gregorian calendar, no time zone).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus::analytics {

// Division rounding toward negative infinity (C++ rounds toward zero), for times before 1970.
inline int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

NIMBUS_API int32_t days_from_civil(int64_t year, unsigned month, unsigned day);

// The calendar day of `days` since 1970-01-01 (month 1..12, day 1..31); the inverse of
// days_from_civil.
struct CivilDate {
  int64_t year;
  unsigned month, day;
};
NIMBUS_API CivilDate civil_from_days(int64_t days);

// "YYYY-MM-DD" (exactly that shape, a real calendar day); nullopt otherwise.
NIMBUS_API std::optional<int32_t> parse_date(std::string_view text);
// "YYYY-MM-DD HH:MM:SS" with an optional fraction of 1 to 6 digits (a 'T' may stand for the
// space); nullopt otherwise.
NIMBUS_API std::optional<int64_t> parse_timestamp(std::string_view text);

NIMBUS_API std::string format_date(int32_t days);  // "2024-02-29"
// "2024-02-29 13:45:00", with ".ffffff" only when the microseconds are not zero.
NIMBUS_API std::string format_timestamp(int64_t micros);

}  // namespace nimbus::analytics
