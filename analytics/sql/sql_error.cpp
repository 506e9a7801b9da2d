#include "analytics/sql/sql_error.h"

#include <algorithm>

namespace nimbus::analytics {

std::string format_sql_error(std::string_view message, std::string_view sql, int position) {
  std::string out(message);
  if (position < 0 || static_cast<size_t>(position) > sql.size()) return out;
  const auto at = static_cast<size_t>(position);
  size_t line_start = 0;
  if (at > 0 && sql.rfind('\n', at - 1) != std::string_view::npos) line_start = sql.rfind('\n', at - 1) + 1;
  const size_t line_end = std::min(sql.find('\n', at), sql.size());
  const int line_number = 1 + static_cast<int>(std::count(sql.begin(), sql.begin() + static_cast<long>(line_start), '\n'));
  // (Appended piece by piece: GCC 12 warns falsely about string operator+ chains here.)
  std::string prefix = "LINE ";
  prefix.append(std::to_string(line_number)).append(": ");
  out.append("\n").append(prefix).append(sql.substr(line_start, line_end - line_start));
  out.append("\n").append(prefix.size() + (at - line_start), ' ').append("^");
  return out;
}

SqlError::SqlError(const std::string& message, std::string_view sql, int position)
    : ParseError(format_sql_error(message, sql, position)), position_(position) {}

}  // namespace nimbus::analytics
