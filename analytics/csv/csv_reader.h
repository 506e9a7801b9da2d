#pragma once
// The CSV reader: text (plain or gzip) to a Table.
//
// - The first record is the header (CsvHeader::present, the default), absent (columns column_1..N
//   or CsvReadOptions::column_names), or detected. Header names must be non-empty and distinct.
// - RFC 4180: fields separated by the delimiter; records end with "\n" or "\r\n"; a quoted field may
//   hold delimiters, newlines and doubled quotes. A UTF-8 byte order mark is skipped; the last
//   record needs no line ending; blank lines are skipped.
// - Types: given by name (column_types), else default_type, else inferred over the whole file
//   (Note [Type inference masks] in csv_values.h).
// - Parsing runs on several threads (Note [CSV chunking] in csv_chunks.h) with the same result for
//   any thread count.
// Errors are ParseErrors "source:line:column: problem" naming the column and the value where there
// is one ("data.csv:7:12: column 'price': 'abc' is not a number"); the first error in the file is the
// one reported. With skip_bad_rows, bad records are dropped and counted instead.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/csv/csv_options.h"
#include "analytics/table.h"

namespace nimbus::analytics {

struct NIMBUS_API CsvReadResult {
  Table table;
  int64_t skipped_rows = 0;                   // with skip_bad_rows
  std::vector<std::string> skipped_messages;  // the first ones (at most 10), with their locations
  std::string source;                         // the path, for messages
  // With keep_locations: for row r and column c, entry r * num_columns + c.
  std::vector<int64_t> field_lines, field_columns;

  // "source:line:column" of a field (keep_locations), or "source" without them.
  std::string location(int64_t row, int64_t column) const;
};

// Reads a file; gzip (by its magic bytes) is inflated first. IOError when it cannot be read.
NIMBUS_API CsvReadResult read_csv(const std::string& path, const CsvReadOptions& options = {});
// Parses CSV text held in memory; `source` names it in messages.
NIMBUS_API CsvReadResult read_csv_text(std::string_view text, const std::string& source,
                                       const CsvReadOptions& options = {});
// The column names read_csv_text would give, from the first record alone (the header checks
// included; CsvHeader::detect is taken as present). Empty for an empty text. For callers that
// choose column_types by name before reading.
NIMBUS_API std::vector<std::string> read_csv_column_names(std::string_view text, const std::string& source,
                                                          const CsvReadOptions& options = {});

}  // namespace nimbus::analytics
