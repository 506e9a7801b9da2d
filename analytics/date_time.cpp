#include "analytics/date_time.h"

#include <cstdio>

namespace nimbus::analytics {

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

bool is_leap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

unsigned days_in_month(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// `count` decimal digits at text[pos...]; nullopt when any is not a digit.
std::optional<unsigned> digits(std::string_view text, size_t pos, size_t count) {
  unsigned value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return value;
}

}  // namespace

// Howard Hinnant's civil-calendar algorithms (public domain): exact for every proleptic
// Gregorian date, no tables, no time-zone database.
CivilDate civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (month <= 2), month, day};
}

int32_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int32_t>(era * 146097 + static_cast<int64_t>(doe) - 719468);
}

std::optional<int32_t> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  if (!year || !month || !day || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month))
    return std::nullopt;
  return days_from_civil(*year, *month, *day);
}

std::optional<int64_t> parse_timestamp(std::string_view text) {
  if (text.size() < 19 || (text[10] != ' ' && text[10] != 'T') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  const auto days = parse_date(text.substr(0, 10));
  const auto hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (!days || !hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  int64_t micros = 0;
  if (text.size() > 19) {
    const size_t fraction = text.size() - 20;
    if (text[19] != '.' || fraction < 1 || fraction > 6) return std::nullopt;
    const auto value = digits(text, 20, fraction);
    if (!value) return std::nullopt;
    micros = *value;
    for (size_t i = fraction; i < 6; ++i) micros *= 10;
  }
  return *days * kMicrosPerDay + ((*hour * 60 + *minute) * 60 + *second) * kMicrosPerSecond + micros;
}

std::string format_date(int32_t days) {
  const CivilDate c = civil_from_days(days);
  char text[32];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
  return text;
}

std::string format_timestamp(int64_t micros) {
  const int64_t days = floor_div(micros, kMicrosPerDay);
  const int64_t in_day = micros - days * kMicrosPerDay;
  const int64_t seconds = in_day / kMicrosPerSecond, fraction = in_day % kMicrosPerSecond;
  char text[64];
  std::snprintf(text, sizeof text, "%s %02lld:%02lld:%02lld", format_date(static_cast<int32_t>(days)).c_str(),
                static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60),
                static_cast<long long>(seconds % 60));
  std::string result = text;
  if (fraction != 0) {
    std::snprintf(text, sizeof text, ".%06lld", static_cast<long long>(fraction));
    result += text;
  }
  return result;
}

}  // namespace nimbus::analytics
