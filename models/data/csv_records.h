#pragma once
// A small CSV record reader for the data files of the training runner (digits, tabular CSV).
//
// The analytics CSV reader will replace this parser, so that the tree ends with one CSV parser;
// until then it covers what the datasets need and no more:
// - records are lines ending in "\n" or "\r\n"; a UTF-8 byte order mark at the start is skipped;
//   lines holding only spaces and tabs are skipped;
// - fields are separated by commas; spaces and tabs around a field are dropped;
// - a field may be quoted, "like, this", with "" for a quote inside; a quoted field cannot span
//   lines, and nothing but spaces may follow its closing quote.
// Errors are ParseErrors that start with "path:line:column:" (both 1-based; the column counts bytes).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::data {

struct CsvField {
  std::string text;    // without surrounding spaces and quotes
  int64_t column = 0;  // where the field starts in its line (1-based)
};

struct CsvRecord {
  int64_t line = 0;  // 1-based line number in the file
  std::vector<CsvField> fields;
  int64_t end_column = 0;  // one past the last byte of the line, for "missing field" messages
};

// Calls `on_record` for every non-blank line of `text` (`path` is only for messages). The record
// passed in is reused between calls.
NIMBUS_API void for_each_csv_record(std::string_view text, const std::string& path,
                                    const std::function<void(const CsvRecord&)>& on_record);

// "path:line:column"
NIMBUS_API std::string csv_location(const std::string& path, int64_t line, int64_t column);

// A field as a whole number in [low, high]; `what` names it in messages ("pixel 3", "label").
// Throws ParseError "path:line:column: what: 'x' is not an integer" / "... is outside low..high".
NIMBUS_API int64_t parse_integer_field(const CsvField& field, const std::string& path, int64_t line,
                                       const std::string& what, int64_t low, int64_t high);
// A field as a finite number (an optional sign, decimals, exponent); throws ParseError for an
// empty field, text that is not a number, and inf/nan.
NIMBUS_API double parse_number_field(const CsvField& field, const std::string& path, int64_t line,
                                     const std::string& what);

}  // namespace nimbus::data
