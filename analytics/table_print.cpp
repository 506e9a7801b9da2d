// Table::to_string: the first rows as an aligned text table.
#include <algorithm>
#include <sstream>

#include "analytics/table.h"

namespace nimbus::analytics {

namespace {

// Display width in characters, counting UTF-8 continuation bytes as part of the character before.
size_t display_width(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string padded(const std::string& text, size_t width, bool right) {
  const std::string fill(width - std::min(width, display_width(text)), ' ');
  return right ? fill + text : text + fill;
}

// Control characters (a newline inside a quoted CSV field) would break the grid.
std::string printable(std::string text) {
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return text;
}

}  // namespace

std::string Table::to_string(int64_t max_rows) const {
  const int64_t shown = std::clamp<int64_t>(max_rows, 0, rows_);
  const size_t columns = columns_.size();
  std::vector<std::vector<std::string>> cells(columns);
  std::vector<size_t> widths(columns);
  std::vector<bool> right(columns);
  for (size_t c = 0; c < columns; ++c) {
    const Column& column = columns_[c];
    right[c] = is_numeric(column.type());
    widths[c] = std::max(display_width(names_[c]), data_type_name(column.type()).size());
    for (int64_t r = 0; r < shown; ++r) {
      cells[c].push_back(printable(column.value_text(r)));
      widths[c] = std::max(widths[c], display_width(cells[c].back()));
    }
  }
  std::ostringstream out;
  const auto line = [&](const auto& cell_of) {
    for (size_t c = 0; c < columns; ++c) out << (c ? " | " : "") << cell_of(c);
    out << '\n';
  };
  line([&](size_t c) { return padded(names_[c], widths[c], right[c]); });
  line([&](size_t c) { return padded(std::string(data_type_name(columns_[c].type())), widths[c], right[c]); });
  for (size_t c = 0; c < columns; ++c) out << (c ? "-+-" : "") << std::string(widths[c], '-');
  out << '\n';
  for (int64_t r = 0; r < shown; ++r) line([&](size_t c) { return padded(cells[c][static_cast<size_t>(r)], widths[c], right[c]); });
  out << '(' << rows_ << (rows_ == 1 ? " row" : " rows");
  if (shown < rows_) out << ", first " << shown << " shown";
  out << ")\n";
  return out.str();
}

}  // namespace nimbus::analytics
