#include "analytics/csv/csv_reader.h"

#include <algorithm>
#include <exception>
#include <optional>

#include "analytics/column_builder.h"
#include "analytics/csv/csv_chunks.h"
#include "analytics/csv/csv_tokenizer.h"
#include "analytics/csv/csv_values.h"
#include "analytics/io/file_bytes.h"
#include "runtime/error.h"
#include "runtime/parallel.h"

namespace nimbus::analytics {

namespace {

using csv::Chunk;
using csv::Field;
using csv::Record;
using csv::Tokenizer;

constexpr size_t kMaxSkippedMessages = 10;
constexpr int64_t kMinChunkBytes = int64_t{1} << 20;

// Calls body(i) for i in [0, n) on up to `threads` threads. An exception must not leave an OpenMP
// region, so each is caught, and the one of the lowest index is rethrown afterwards.
template <typename Body>
void parallel_each(size_t n, int threads, const Body& body) {
  std::vector<std::exception_ptr> failures(n);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (size_t i = 0; i < n; ++i) {
    try {
      body(i);
    } catch (...) {
      failures[i] = std::current_exception();
    }
  }
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

// What the first pass learns about one chunk.
struct ChunkScan {
  std::vector<uint8_t> masks;         // per column (Note [Type inference masks])
  std::vector<int64_t> bad_records;   // indices of the chunk's records that are dropped
  std::vector<std::string> messages;  // the first problems, with their locations
  int64_t rows = 0;                   // good records
};

// What the second pass builds from one chunk.
struct ChunkColumns {
  std::vector<Column> columns;
  std::vector<int64_t> field_lines, field_columns;
};

class CsvParse {
 public:
  CsvParse(std::string_view text, std::string source, const CsvReadOptions& options)
      : text_(text), source_(std::move(source)), options_(options) {
    threads_ = options.threads > 0 ? options.threads : max_threads();
  }

  CsvReadResult run();
  std::vector<std::string> column_names();

 private:
  std::string where(int64_t line, int64_t column) const { return detail::concat(source_, ":", line, ":", column); }
  bool is_null(std::string_view text, const Field& field) const {
    return !field.quoted &&
           std::find(options_.null_values.begin(), options_.null_values.end(), text) != options_.null_values.end();
  }
  void read_first_record();
  void name_columns(bool header);
  void check_header_names() const;
  void resolve_given_types(const std::vector<std::string>& header_names);
  std::string problem_in(const Tokenizer& tokenizer, const Record& record) const;
  ChunkScan scan(const Chunk& chunk, std::vector<uint8_t>* first_record_masks) const;
  ChunkColumns build(const Chunk& chunk, const std::vector<int64_t>& bad_records) const;
  CsvReadResult empty_result() const;

  std::string_view text_;
  std::string source_;
  const CsvReadOptions& options_;
  int threads_ = 1;

  size_t data_begin_ = 0;  // after the BOM
  bool has_first_ = false;
  Record first_;           // the first record
  Chunk first_chunk_;      // its byte range
  int64_t line_after_first_ = 1;
  std::vector<std::string> first_texts_;

  std::vector<std::string> names_;
  std::vector<std::optional<DataType>> given_;  // per column
  std::vector<DataType> types_;
  size_t expected_fields_ = 0;
  std::string count_reason_;  // "as in the header", ...
};

void CsvParse::read_first_record() {
  if (text_.starts_with("\xEF\xBB\xBF")) data_begin_ = 3;
  Tokenizer tokenizer(text_, data_begin_, text_.size(), 1, options_);
  has_first_ = tokenizer.next(first_);
  if (!has_first_) return;
  NIMBUS_CHECK_T(ParseError, first_.error.empty(), where(first_.error_line, first_.error_column), ": ",
                 first_.error);
  // The record's range: from the start of its line (blank lines before it are skipped) to after it.
  first_chunk_.end = tokenizer.position();
  line_after_first_ = tokenizer.line();
  first_chunk_.first_line = first_.line;
  size_t start = data_begin_;
  int64_t line = 1;
  while (line < first_.line) {
    start = text_.find('\n', start) + 1;
    ++line;
  }
  first_chunk_.begin = start;
  for (const Field& field : first_.fields) first_texts_.emplace_back(tokenizer.text(first_, field));
}

void CsvParse::check_header_names() const {
  for (size_t c = 0; c < first_.fields.size(); ++c) {
    const Field& field = first_.fields[c];
    NIMBUS_CHECK_T(ParseError, !first_texts_[c].empty(), where(field.line, field.column), ": header: column ", c + 1,
                   " has no name");
    for (size_t earlier = 0; earlier < c; ++earlier) {
      NIMBUS_CHECK_T(ParseError, first_texts_[earlier] != first_texts_[c], where(field.line, field.column),
                     ": header: column name '", first_texts_[c], "' appears twice (columns ", earlier + 1, " and ",
                     c + 1, ")");
    }
  }
}

// Names from the header, or from column_names, or column_1..N.
void CsvParse::name_columns(bool header) {
  names_.clear();
  if (header) {
    names_ = first_texts_;
    expected_fields_ = names_.size();
    count_reason_ = "as in the header";
    return;
  }
  if (!options_.column_names.empty()) {
    names_ = options_.column_names;
    expected_fields_ = names_.size();
    count_reason_ = "as there are column names";
    return;
  }
  for (size_t c = 0; c < first_.fields.size(); ++c) names_.push_back("column_" + std::to_string(c + 1));
  expected_fields_ = names_.size();
  count_reason_ = "as in the first record";
}

// Matches column_types to columns by name: the header's names (`header_names`, which in detect mode
// may still turn out to be data) or the names the columns get without a header.
void CsvParse::resolve_given_types(const std::vector<std::string>& header_names) {
  given_.assign(names_.size(), options_.default_type);
  for (const auto& [name, type] : options_.column_types) {
    bool found = false;
    for (size_t c = 0; c < names_.size(); ++c) {
      if (names_[c] == name || (c < header_names.size() && header_names[c] == name)) {
        given_[c] = type;
        found = true;
      }
    }
    if (!found) {
      std::string listed;
      for (const std::string& known : names_) listed += (listed.empty() ? "" : ", ") + known;
      NIMBUS_THROW(ConfigError, source_, ": column_types names '", name, "', which is not a column; the columns are: ",
                   listed.empty() ? "(none)" : listed);
    }
  }
}

// Why a record cannot be a row ("" when it can), with its location.
std::string CsvParse::problem_in(const Tokenizer& tokenizer, const Record& record) const {
  if (!record.error.empty()) return detail::concat(where(record.error_line, record.error_column), ": ", record.error);
  if (record.fields.size() != expected_fields_) {
    const bool extra = record.fields.size() > expected_fields_;
    const int64_t line = extra ? record.fields[expected_fields_].line : record.end_line;
    const int64_t column = extra ? record.fields[expected_fields_].column : record.end_column;
    return detail::concat(where(line, column), ": expected ", expected_fields_, " fields ", count_reason_, ", found ",
                          record.fields.size());
  }
  for (size_t c = 0; c < expected_fields_; ++c) {
    const Field& field = record.fields[c];
    const std::string_view text = tokenizer.text(record, field);
    if (is_null(text, field)) {
      if (options_.allow_nulls) continue;
      return detail::concat(where(field.line, field.column), ": column '", names_[c], "': ",
                            text.empty() ? std::string("empty field") : "'" + std::string(text) + "' is null (nulls are not allowed here)");
    }
    if (!given_[c]) continue;
    const std::string problem = csv::parse_value(text, *given_[c], options_.allow_non_finite, nullptr);
    if (!problem.empty()) return detail::concat(where(field.line, field.column), ": column '", names_[c], "': ", problem);
  }
  return {};
}

// First pass over a chunk: which records are bad, and what types the good ones allow.
// `first_record_masks`, when given, receives the masks of the chunk's first record separately
// (header detection).
ChunkScan CsvParse::scan(const Chunk& chunk, std::vector<uint8_t>* first_record_masks) const {
  ChunkScan result;
  result.masks.assign(expected_fields_, csv::kAllTypeBits);
  {
    Tokenizer tokenizer(text_, chunk.begin, chunk.end, chunk.first_line, options_);
    Record record;
    for (int64_t index = 0; tokenizer.next(record); ++index) {
      std::string problem = problem_in(tokenizer, record);
      if (!problem.empty()) {
        result.bad_records.push_back(index);
        if (result.messages.size() < kMaxSkippedMessages) result.messages.push_back(std::move(problem));
        if (!options_.skip_bad_rows) break;  // only the first error is reported
        continue;
      }
      ++result.rows;
      std::vector<uint8_t>& masks = first_record_masks && index == 0 ? *first_record_masks : result.masks;
      if (first_record_masks && index == 0) masks.assign(expected_fields_, csv::kAllTypeBits);
      for (size_t c = 0; c < expected_fields_; ++c) {
        if (given_[c]) continue;
        const std::string_view text = tokenizer.text(record, record.fields[c]);
        if (is_null(text, record.fields[c])) continue;
        masks[c] &= csv::candidate_types(text, options_.allow_non_finite);
      }
    }
  }
  return result;
}

// Second pass over a chunk: the good records as columns of the final types.
ChunkColumns CsvParse::build(const Chunk& chunk, const std::vector<int64_t>& bad_records) const {
  ChunkColumns result;
  {
    std::vector<ColumnBuilder> builders;
    for (DataType type : types_) builders.emplace_back(type);
    Tokenizer tokenizer(text_, chunk.begin, chunk.end, chunk.first_line, options_);
    Record record;
    auto bad = bad_records.begin();
    for (int64_t index = 0; tokenizer.next(record); ++index) {
      if (bad != bad_records.end() && *bad == index) {
        ++bad;
        continue;
      }
      for (size_t c = 0; c < expected_fields_; ++c) {
        const Field& field = record.fields[c];
        const std::string_view text = tokenizer.text(record, field);
        if (options_.keep_locations) {
          result.field_lines.push_back(field.line);
          result.field_columns.push_back(field.column);
        }
        if (is_null(text, field)) {
          builders[c].append_null();
          continue;
        }
        const std::string problem = csv::parse_value(text, types_[c], options_.allow_non_finite, &builders[c]);
        // The first pass checked given types and inferred the others from these very values.
        NIMBUS_CHECK_T(ParseError, problem.empty(), where(field.line, field.column), ": column '", names_[c], "': ",
                       problem);
      }
    }
    for (ColumnBuilder& builder : builders) result.columns.push_back(builder.finish());
  }
  return result;
}

CsvReadResult CsvParse::empty_result() const {
  CsvReadResult result;
  result.source = source_;
  std::vector<Column> columns;
  std::vector<std::string> names;
  if (options_.header != CsvHeader::present) {
    for (const std::string& name : options_.column_names) {
      const auto given = options_.column_types.find(name);
      const DataType type = given != options_.column_types.end() ? given->second
                                                                 : options_.default_type.value_or(DataType::string);
      names.push_back(name);
      columns.push_back(ColumnBuilder(type).finish());
    }
  }
  result.table = Table(std::move(names), std::move(columns));
  return result;
}

std::vector<std::string> CsvParse::column_names() {
  read_first_record();
  if (!has_first_) return options_.header == CsvHeader::present ? std::vector<std::string>{} : options_.column_names;
  const bool header = options_.header != CsvHeader::absent;
  if (header) check_header_names();
  name_columns(header);
  return names_;
}

CsvReadResult CsvParse::run() {
  NIMBUS_CHECK_T(ConfigError, options_.delimiter != options_.quote && options_.delimiter != '\n' &&
                                  options_.delimiter != '\r' && options_.quote != '\n' && options_.quote != '\r',
                 "read_csv: the delimiter and the quote must differ from each other and from line endings");
  read_first_record();
  if (!has_first_) return empty_result();

  const bool header_known = options_.header == CsvHeader::present;
  if (header_known) check_header_names();
  name_columns(header_known);
  resolve_given_types(options_.header == CsvHeader::detect ? first_texts_ : std::vector<std::string>{});

  // Chunks of whole records (Note [CSV chunking]). Without a header the first record is data and
  // is parsed again with the rest.
  const int64_t chunk_bytes =
      options_.chunk_bytes > 0
          ? options_.chunk_bytes
          : std::max<int64_t>(kMinChunkBytes, static_cast<int64_t>(text_.size()) / std::max(threads_, 1) + 1);
  std::vector<Chunk> chunks;
  if (options_.header == CsvHeader::absent) {
    chunks = csv::split_into_chunks(text_, first_chunk_.begin, first_chunk_.first_line, options_.quote, chunk_bytes,
                                    threads_);
  } else {
    chunks = csv::split_into_chunks(text_, first_chunk_.end, line_after_first_, options_.quote, chunk_bytes, threads_);
  }

  std::vector<ChunkScan> scans(chunks.size());
  parallel_each(chunks.size(), threads_, [&](size_t k) { scans[k] = scan(chunks[k], nullptr); });

  if (options_.header == CsvHeader::detect) {
    // The first record is a header when one of its fields does not fit its column's type.
    std::vector<uint8_t> first_masks;
    ChunkScan first_scan = scan(first_chunk_, &first_masks);
    bool header = !first_scan.bad_records.empty();
    if (!header) {
      for (size_t c = 0; c < expected_fields_; ++c) {
        if (given_[c]) continue;
        uint8_t rest = csv::kAllTypeBits;
        for (const ChunkScan& s : scans) rest &= s.masks[c];
        if ((first_masks[c] & csv::type_bit(csv::inferred_type(rest))) == 0) header = true;
      }
    }
    if (header) {
      check_header_names();
      name_columns(true);
    } else {
      first_scan.masks = first_masks;
      chunks.insert(chunks.begin(), first_chunk_);
      scans.insert(scans.begin(), std::move(first_scan));
    }
  }

  CsvReadResult result;
  result.source = source_;
  for (const ChunkScan& s : scans) {
    if (!s.messages.empty() && !options_.skip_bad_rows) NIMBUS_THROW(ParseError, s.messages.front());
    result.skipped_rows += static_cast<int64_t>(s.bad_records.size());
    for (const std::string& message : s.messages) {
      if (result.skipped_messages.size() < kMaxSkippedMessages) result.skipped_messages.push_back(message);
    }
  }
  types_.resize(expected_fields_);
  for (size_t c = 0; c < expected_fields_; ++c) {
    uint8_t mask = csv::kAllTypeBits;
    for (const ChunkScan& s : scans) mask &= s.masks[c];
    types_[c] = given_[c] ? *given_[c] : csv::inferred_type(mask);
  }

  std::vector<ChunkColumns> parts(chunks.size());
  parallel_each(chunks.size(), threads_, [&](size_t k) { parts[k] = build(chunks[k], scans[k].bad_records); });

  std::vector<Column> columns(expected_fields_);
  parallel_each(expected_fields_, threads_, [&](size_t c) {
    std::vector<Column> pieces;
    for (const ChunkColumns& part : parts) pieces.push_back(part.columns[c]);
    columns[c] = pieces.empty() ? ColumnBuilder(types_[c]).finish() : concat_columns(pieces, types_[c]);
  });
  if (options_.keep_locations) {
    for (const ChunkColumns& part : parts) {
      result.field_lines.insert(result.field_lines.end(), part.field_lines.begin(), part.field_lines.end());
      result.field_columns.insert(result.field_columns.end(), part.field_columns.begin(), part.field_columns.end());
    }
  }
  result.table = Table(names_, std::move(columns));
  return result;
}

}  // namespace

std::string CsvReadResult::location(int64_t row, int64_t column) const {
  const int64_t index = row * table.num_columns() + column;
  if (index < 0 || index >= static_cast<int64_t>(field_lines.size())) return source;
  return detail::concat(source, ":", field_lines[static_cast<size_t>(index)], ":",
                        field_columns[static_cast<size_t>(index)]);
}

CsvReadResult read_csv_text(std::string_view text, const std::string& source, const CsvReadOptions& options) {
  return CsvParse(text, source, options).run();
}

std::vector<std::string> read_csv_column_names(std::string_view text, const std::string& source,
                                               const CsvReadOptions& options) {
  return CsvParse(text, source, options).column_names();
}

CsvReadResult read_csv(const std::string& path, const CsvReadOptions& options) {
  const std::string bytes = read_file_bytes(path);
  return read_csv_text(bytes, path, options);
}

}  // namespace nimbus::analytics
