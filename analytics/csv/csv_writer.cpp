#include "analytics/csv/csv_writer.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include "analytics/value_text.h"
#include "runtime/error.h"

namespace nimbus::analytics {

namespace {

bool needs_quotes(const std::string& text, const CsvWriteOptions& options) {
  if (text.empty()) return true;
  if (text.front() == ' ' || text.front() == '\t' || text.back() == ' ' || text.back() == '\t') return true;
  if (text.find_first_of(std::string{options.delimiter, options.quote, '\n', '\r'}) != std::string::npos) return true;
  return std::find(options.null_values.begin(), options.null_values.end(), text) != options.null_values.end();
}

void write_field(std::ostream& out, const std::string& text, const CsvWriteOptions& options) {
  if (!needs_quotes(text, options)) {
    out << text;
    return;
  }
  out << options.quote;
  for (char c : text) {
    if (c == options.quote) out << options.quote;
    out << c;
  }
  out << options.quote;
}

}  // namespace

void write_csv(const Table& table, std::ostream& out, const CsvWriteOptions& options) {
  const int64_t columns = table.num_columns();
  if (options.header && columns > 0) {
    for (int64_t c = 0; c < columns; ++c) {
      if (c > 0) out << options.delimiter;
      write_field(out, table.names()[static_cast<size_t>(c)], options);
    }
    out << options.line_ending;
  }
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    for (int64_t c = 0; c < columns; ++c) {
      if (c > 0) out << options.delimiter;
      const Column& column = table.column(c);
      if (column.is_null(r)) continue;  // a null is an empty, unquoted field
      const std::string text = format_value(column, r);
      // Only strings can need quotes: numbers, dates and booleans never hold delimiters.
      if (column.type() == DataType::string) write_field(out, text, options);
      else out << text;
    }
    out << options.line_ending;
  }
}

std::string to_csv_text(const Table& table, const CsvWriteOptions& options) {
  std::ostringstream out;
  write_csv(table, out, options);
  return out.str();
}

void write_csv_file(const Table& table, const std::string& path, const CsvWriteOptions& options) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  NIMBUS_CHECK_T(IOError, out.good(), "cannot write '", path, "': ",
                 std::error_code(errno, std::generic_category()).message());
  write_csv(table, out, options);
  out.flush();
  NIMBUS_CHECK_T(IOError, out.good(), "cannot write '", path, "': the write failed");
}

}  // namespace nimbus::analytics
