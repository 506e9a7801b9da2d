#pragma once
// Splits CSV text into records of fields (RFC 4180): fields separated by the delimiter, records by
// "\n" or "\r\n"; a field may be quoted, and then holds delimiters, newlines and doubled quotes.
// Records end where Note [CSV chunking] (csv_chunks.h) says, also after a malformed record, so a
// reader that skips bad records stays on the same record boundaries as every other chunk.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/csv/csv_options.h"
#include "runtime/macros.h"

namespace nimbus::analytics::csv {

struct Field {
  size_t begin = 0, size = 0;  // in the text, or in Record::unescaped when `unescaped_copy`
  bool quoted = false;
  bool unescaped_copy = false;  // a quoted field with doubled quotes, stored without them
  int64_t line = 0, column = 0;  // where the field starts (1-based; the column counts bytes)
};

struct Record {
  std::vector<Field> fields;
  std::string unescaped;
  int64_t line = 0;                        // where the record starts
  int64_t end_line = 0, end_column = 0;    // one past its last byte, for "missing field" messages
  std::string error;                       // non-empty: malformed; error_line/column say where
  int64_t error_line = 0, error_column = 0;
};

class NIMBUS_API Tokenizer {
 public:
  // Reads records from text[begin, end); `begin` is a record start on line `first_line`, at the
  // start of that line.
  Tokenizer(std::string_view text, size_t begin, size_t end, int64_t first_line, const CsvReadOptions& options);

  // The next record, or false at the end.
  bool next(Record& record);
  // The fast path of next() for the common record: exactly `count` unquoted fields, ending with
  // "\n", "\r\n" or the end of the text, not a blank line, trimming off. Fills fields[0, count) and
  // returns true; otherwise moves nothing and returns false, and next() reads the record. Both read
  // the same records with the same field texts (Note [Plain records]).
  bool next_plain(size_t count, std::string_view* fields);

  // A position to come back to, for reading a record again through next().
  struct Mark {
    size_t pos = 0;
    int64_t line = 0;
    size_t line_start = 0;
  };
  Mark mark() const { return Mark{pos_, line_, line_start_}; }
  void rewind(const Mark& mark) {
    pos_ = mark.pos;
    line_ = mark.line;
    line_start_ = mark.line_start;
  }

  size_t position() const { return pos_; }
  int64_t line() const { return line_; }
  // The 1-based column of a character of the current line, as Field::column counts it.
  int64_t column_at(const char* at) const { return static_cast<int64_t>(at - (text_.data() + line_start_)) + 1; }

  std::string_view text(const Record& record, const Field& field) const {
    return field.unescaped_copy ? std::string_view(record.unescaped).substr(field.begin, field.size)
                                : text_.substr(field.begin, field.size);
  }

 private:
  bool is_blank(char c) const { return (c == ' ' || c == '\t') && c != delimiter_; }
  int64_t column_of(size_t pos) const { return static_cast<int64_t>(pos - line_start_) + 1; }
  void newline_at(size_t pos) {
    ++line_;
    line_start_ = pos + 1;
  }
  void fail(Record& record, std::string message, size_t pos, int64_t line);
  void skip_to_record_end(size_t record_begin, int64_t record_line, size_t record_line_start);
  bool read_quoted(Record& record, Field& field);

  std::string_view text_;
  size_t pos_, end_;
  int64_t line_;
  size_t line_start_;
  char delimiter_, quote_;
  bool trim_, skip_blank_;
};

}  // namespace nimbus::analytics::csv
