#pragma once
// SQL identifiers compare without regard to ASCII case (PostgreSQL folds unquoted names to lower
// case; CSV headers keep theirs), so names are looked up through these.
#include <cctype>
#include <string>
#include <string_view>

namespace nimbus::analytics::sql {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace nimbus::analytics::sql
