#include "analytics/stream/duration.h"

#include <array>
#include <cctype>
#include <charconv>
#include <utility>

namespace nimbus::analytics::stream {

namespace {

struct Unit {
  std::string_view name;
  int64_t micros;
};

constexpr std::array<Unit, 24> kUnits{{
    {"us", 1},           {"microsecond", 1},       {"microseconds", 1},
    {"ms", 1000},        {"millisecond", 1000},    {"milliseconds", 1000},
    {"s", 1000000},      {"sec", 1000000},         {"secs", 1000000},
    {"second", 1000000}, {"seconds", 1000000},     {"m", 60000000},
    {"min", 60000000},   {"mins", 60000000},       {"minute", 60000000},
    {"minutes", 60000000}, {"h", 3600000000},      {"hour", 3600000000},
    {"hours", 3600000000}, {"hr", 3600000000},     {"d", 86400000000},
    {"day", 86400000000},  {"days", 86400000000},  {"hrs", 3600000000},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<int64_t> parse_duration(std::string_view text) {
  text = trim(text);
  int64_t count = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (ec != std::errc() || end == text.data() || count < 0) return std::nullopt;
  std::string unit(trim(std::string_view(end, static_cast<size_t>(text.data() + text.size() - end))));
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const Unit& u : kUnits) {
    if (u.name != unit) continue;
    int64_t micros = 0;
    if (__builtin_mul_overflow(count, u.micros, &micros)) return std::nullopt;
    return micros;
  }
  return std::nullopt;
}

std::string format_duration(int64_t micros) {
  for (const auto& [unit, size] : {std::pair{"d", int64_t{86400000000}}, std::pair{"h", int64_t{3600000000}},
                                   std::pair{"m", int64_t{60000000}}, std::pair{"s", int64_t{1000000}},
                                   std::pair{"ms", int64_t{1000}}}) {
    if (micros != 0 && micros % size == 0) {
      std::string out = std::to_string(micros / size);
      out += unit;
      return out;
    }
  }
  std::string out = std::to_string(micros);
  out += "us";
  return out;
}

}  // namespace nimbus::analytics::stream
