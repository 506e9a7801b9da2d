#include "models/data/csv_records.h"

#include <charconv>
#include <cmath>
#include <system_error>

#include "runtime/error.h"

namespace nimbus::data {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// from_chars takes no '+'; accept one in front of a digit or a point, nothing else ("+-1", "++1").
std::string_view without_plus(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '+' && text[1] != '-') text.remove_prefix(1);
  return text;
}

// Splits one line (no line ending) into record.fields.
void split_line(std::string_view line, const std::string& path, CsvRecord& record) {
  record.fields.clear();
  record.end_column = static_cast<int64_t>(line.size()) + 1;
  size_t pos = 0;
  for (;;) {
    const size_t field_start = pos;
    while (pos < line.size() && is_blank(line[pos])) ++pos;
    CsvField field;
    field.column = static_cast<int64_t>(pos) + 1;
    if (pos < line.size() && line[pos] == '"') {
      const int64_t quote_column = field.column;
      ++pos;
      for (;;) {
        NIMBUS_CHECK_T(ParseError, pos < line.size(), csv_location(path, record.line, quote_column),
                       ": quoted field has no closing quote (quoted fields cannot span lines)");
        if (line[pos] == '"') {
          if (pos + 1 < line.size() && line[pos + 1] == '"') {
            field.text += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        field.text += line[pos++];
      }
      while (pos < line.size() && is_blank(line[pos])) ++pos;
      NIMBUS_CHECK_T(ParseError, pos == line.size() || line[pos] == ',',
                     csv_location(path, record.line, static_cast<int64_t>(pos) + 1), ": unexpected '", line[pos],
                     "' after the closing quote of a field (expected a comma or the end of the line)");
    } else {
      const size_t comma = line.find(',', pos);
      const size_t end = comma == std::string_view::npos ? line.size() : comma;
      size_t last = end;
      while (last > pos && is_blank(line[last - 1])) --last;
      field.text.assign(line.substr(pos, last - pos));
      // An empty field is reported where it starts, right after the comma.
      if (field.text.empty()) field.column = static_cast<int64_t>(field_start) + 1;
      pos = end;
    }
    record.fields.push_back(std::move(field));
    if (pos == line.size()) return;
    ++pos;  // the comma
  }
}

}  // namespace

std::string csv_location(const std::string& path, int64_t line, int64_t column) {
  return detail::concat(path, ":", line, ":", column);
}

void for_each_csv_record(std::string_view text, const std::string& path,
                         const std::function<void(const CsvRecord&)>& on_record) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvRecord record;
  int64_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    ++line_number;
    size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) newline = text.size();
    std::string_view line = text.substr(start, newline - start);
    start = newline + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    record.line = line_number;
    split_line(line, path, record);
    on_record(record);
  }
}

int64_t parse_integer_field(const CsvField& field, const std::string& path, int64_t line, const std::string& what,
                            int64_t low, int64_t high) {
  const std::string where = csv_location(path, line, field.column);
  NIMBUS_CHECK_T(ParseError, !field.text.empty(), where, ": ", what, ": empty field");
  const std::string_view digits = without_plus(field.text);
  int64_t value = 0;
  const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  const bool consumed = end == digits.data() + digits.size();
  NIMBUS_CHECK_T(ParseError, err != std::errc::result_out_of_range || !consumed, where, ": ", what, ": ",
                 field.text, " is outside ", low, "..", high);
  NIMBUS_CHECK_T(ParseError, err == std::errc() && consumed, where, ": ", what, ": '", field.text,
                 "' is not an integer");
  NIMBUS_CHECK_T(ParseError, value >= low && value <= high, where, ": ", what, ": ", value, " is outside ", low, "..",
                 high);
  return value;
}

double parse_number_field(const CsvField& field, const std::string& path, int64_t line, const std::string& what) {
  const std::string where = csv_location(path, line, field.column);
  NIMBUS_CHECK_T(ParseError, !field.text.empty(), where, ": ", what, ": empty field");
  const std::string_view digits = without_plus(field.text);
  double value = 0;
  const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  const bool consumed = end == digits.data() + digits.size();
  NIMBUS_CHECK_T(ParseError, err != std::errc::invalid_argument && consumed, where, ": ", what, ": '", field.text,
                 "' is not a number");
  NIMBUS_CHECK_T(ParseError, err == std::errc(), where, ": ", what, ": '", field.text,
                 "' is outside the range of floating-point numbers");
  NIMBUS_CHECK_T(ParseError, std::isfinite(value), where, ": ", what, ": '", field.text, "' is not a finite number");
  return value;
}

}  // namespace nimbus::data
