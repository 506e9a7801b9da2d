#pragma once
// Options of the CSV reader (csv_reader.h).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analytics/data_type.h"

namespace nimbus::analytics {

enum class CsvHeader : uint8_t {
  present,  // the first record names the columns
  absent,   // every record is data; columns are column_names or column_1..column_N
  detect,   // a header when some field of the first record does not fit its column's type (given,
            // or inferred from the other records), as DuckDB's sniffer decides
};

struct CsvReadOptions {
  char delimiter = ',';
  char quote = '"';
  CsvHeader header = CsvHeader::present;
  // Names for a file without a header (default column_1..column_N); must match the field count.
  std::vector<std::string> column_names{};
  // Types by column name; the other columns are inferred over the whole file
  // (bool < int32 < int64 < float64 < string, and date32 < timestamp < string; all-null: string).
  // A name that is not a column is an error.
  std::map<std::string, DataType> column_types{};
  // The type of every column not in column_types, instead of inference.
  std::optional<DataType> default_type{};
  // Unquoted fields equal to one of these are null. A quoted field is never null, so "" is an empty
  // string and the writer can tell the two apart.
  std::vector<std::string> null_values{"", "NA", "null"};
  // false: a null anywhere is an error naming where it is ("empty field" for an empty one).
  bool allow_nulls = true;
  // false: inf, -inf and nan are not numbers (inference gives string; a float column rejects them).
  bool allow_non_finite = true;
  // Drop spaces and tabs around fields, outside quotes (RFC 4180 keeps them; hand-written files
  // often have them).
  bool trim_whitespace = false;
  // Skip lines that are empty (or, with trim_whitespace, hold only spaces and tabs).
  bool skip_blank_lines = true;
  // Skip records that do not parse (ragged, bad quotes, a value that does not fit a given type) and
  // count them in CsvReadResult instead of throwing.
  bool skip_bad_rows = false;
  // Keep the line and column of every field (CsvReadResult::location), for callers that check
  // values after reading and want messages that point into the file.
  bool keep_locations = false;
  // Parsing threads; 0 means all (max_threads()). The result does not depend on it.
  int threads = 0;
  // Bytes per parallel chunk; 0 picks size / (4 * threads) (at least 1 MiB). Tests set it small.
  int64_t chunk_bytes = 0;
};

}  // namespace nimbus::analytics
