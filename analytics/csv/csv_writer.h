#pragma once
// The CSV writer: a Table as RFC 4180 text that read_csv reads back to the same table.
//
// A header of the column names, then one record per row. Nulls are empty fields. A field is
// quoted when it holds the delimiter, a quote, a line break or leading/trailing spaces, when it is
// an empty string (so that it is not read as a null), and when it equals one of `null_values` (so a
// string "NA" stays a string). Floats are written in the shortest form that reads back to the same
// bits (std::to_chars); dates and timestamps as the reader parses them.
#include <ostream>
#include <string>
#include <vector>

#include "analytics/table.h"

namespace nimbus::analytics {

struct CsvWriteOptions {
  char delimiter = ',';
  char quote = '"';
  bool header = true;
  std::string line_ending = "\n";
  std::vector<std::string> null_values{"", "NA", "null"};  // strings written quoted
};

NIMBUS_API void write_csv(const Table& table, std::ostream& out, const CsvWriteOptions& options = {});
NIMBUS_API std::string to_csv_text(const Table& table, const CsvWriteOptions& options = {});
// Writes `path` (replacing it); IOError when it cannot be written.
NIMBUS_API void write_csv_file(const Table& table, const std::string& path, const CsvWriteOptions& options = {});

}  // namespace nimbus::analytics
