#include "analytics/csv/csv_reader.h"

#include <algorithm>
#include <exception>
#include <optional>

#include "analytics/column_builder.h"
#include "analytics/csv/csv_chunks.h"
#include "analytics/csv/csv_columns.h"
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
// A few chunks per thread, so that a thread slowed by a busy machine or a chunk that needs a second
// pass (Note [One pass per chunk]) leaves work for the others.
constexpr int kChunksPerThread = 4;

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

// Note [One pass per chunk]
// Each chunk is read once: every record is checked (as problem_in() does) and, when good, its
// values go straight into the chunk's column pieces (csv_columns.h). A column whose type is given
// is parsed as that type. An inferred column takes, in each chunk, the type its first value infers
// as, and values are parsed as that type while they fit it; while they do, the chunk's mask (Note
// [Type inference masks]) does not change: every mask with the type's bit holds all the bits above
// it in that type's chain (int32 < int64 < float64 < string; date32 < timestamp < string;
// bool < string), so ANDing it keeps a mask whose first bit is that type. A value that does not
// fit makes the piece stale: it is dropped, and the rest of the chunk only updates the mask. Once
// all chunks are read, the masks give the file's types, and only a piece that is stale or of
// another type than its column (a chunk of ints in a float column) is built again, by a second
// pass over its chunk. A typical file is therefore tokenized once instead of twice, and the types
// stay those of the whole file.

// What the pass over one chunk gives.
struct ChunkParse {
  std::vector<uint8_t> masks;              // per column (Note [Type inference masks])
  std::vector<uint8_t> stale;              // per column: the piece must be built again
  std::vector<csv::ColumnPiece> pieces;    // per column
  std::vector<int64_t> bad_records;        // indices of the chunk's records that are dropped
  std::vector<std::string> messages;       // the first problems, with their locations
  int64_t rows = 0;                        // good records
  std::vector<int64_t> field_lines, field_columns;
};

// The records of a chunk, plain ones through Tokenizer::next_plain (Note [Plain records]) and the
// others through Tokenizer::next, with the texts of their fields.
class ChunkRecords {
 public:
  ChunkRecords(std::string_view text, const Chunk& chunk, size_t fields, const CsvReadOptions& options)
      : text_(text), tokenizer_(text, chunk.begin, chunk.end, chunk.first_line, options), texts_(fields),
        quoted_(fields) {}

  bool next() {
    mark_ = tokenizer_.mark();
    if (tokenizer_.next_plain(texts_.size(), texts_.data())) {
      plain_ = true;
      return true;
    }
    plain_ = false;
    if (!tokenizer_.next(record_)) return false;
    if (fits()) {
      for (size_t c = 0; c < texts_.size(); ++c) {
        texts_[c] = tokenizer_.text(record_, record_.fields[c]);
        quoted_[c] = record_.fields[c].quoted ? 1 : 0;
      }
    }
    return true;
  }
  // Whether the record has the expected fields and no syntax error (then text() and quoted() hold).
  bool fits() const { return plain_ || (record_.error.empty() && record_.fields.size() == texts_.size()); }
  std::string_view text(size_t c) const { return texts_[c]; }
  bool quoted(size_t c) const { return !plain_ && quoted_[c] != 0; }
  int64_t line(size_t c) const { return plain_ ? mark_.line : record_.fields[c].line; }
  int64_t column(size_t c) const {
    return plain_ ? static_cast<int64_t>(texts_[c].data() - (text_.data() + mark_.line_start)) + 1
                  : record_.fields[c].column;
  }
  // The record as Tokenizer::next reads it (for messages): a plain record is read again.
  const Record& record() {
    if (plain_) {
      const Tokenizer::Mark after = tokenizer_.mark();
      tokenizer_.rewind(mark_);
      tokenizer_.next(record_);
      tokenizer_.rewind(after);
      plain_ = false;
    }
    return record_;
  }
  const Tokenizer& tokenizer() const { return tokenizer_; }

 private:
  std::string_view text_;
  Tokenizer tokenizer_;
  Record record_;
  Tokenizer::Mark mark_;
  bool plain_ = false;
  std::vector<std::string_view> texts_;
  std::vector<uint8_t> quoted_;
};

class CsvParse {
 public:
  CsvParse(std::string_view text, std::string source, const CsvReadOptions& options)
      : text_(text), source_(std::move(source)), options_(options) {
    threads_ = options.threads > 0 ? options.threads : max_threads();
    for (const std::string& null : options.null_values) {
      null_sizes_ |= null.size() < 64 ? uint64_t{1} << null.size() : 0;
    }
  }

  CsvReadResult run();
  std::vector<std::string> column_names();

 private:
  std::string where(int64_t line, int64_t column) const { return nimbus::detail::concat(source_, ":", line, ":", column); }
  bool is_null(std::string_view text, const Field& field) const { return !field.quoted && is_null_text(text); }
  bool is_null_text(std::string_view text) const {
    // Most fields are longer than every null string: one bit test instead of the comparisons.
    if (text.size() < 64 && ((null_sizes_ >> text.size()) & 1) == 0) return false;
    for (const std::string& null : options_.null_values) {
      if (null.size() == text.size() && (text.empty() || (null[0] == text[0] && null == text))) return true;
    }
    return false;
  }
  void read_first_record();
  void name_columns(bool header);
  void check_header_names() const;
  void resolve_given_types(const std::vector<std::string>& header_names);
  std::string problem_in(const Tokenizer& tokenizer, const Record& record) const;
  ChunkParse parse_chunk(const Chunk& chunk) const;
  void append_inferred(ChunkParse& part, size_t c, std::string_view text) const;
  void rebuild(const Chunk& chunk, ChunkParse& part) const;
  CsvReadResult empty_result() const;

  std::string_view text_;
  std::string source_;
  const CsvReadOptions& options_;
  int threads_ = 1;
  uint64_t null_sizes_ = 0;  // bit n: some null string has n bytes

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
  if (!record.error.empty()) return nimbus::detail::concat(where(record.error_line, record.error_column), ": ", record.error);
  if (record.fields.size() != expected_fields_) {
    const bool extra = record.fields.size() > expected_fields_;
    const int64_t line = extra ? record.fields[expected_fields_].line : record.end_line;
    const int64_t column = extra ? record.fields[expected_fields_].column : record.end_column;
    return nimbus::detail::concat(where(line, column), ": expected ", expected_fields_, " fields ", count_reason_, ", found ",
                          record.fields.size());
  }
  for (size_t c = 0; c < expected_fields_; ++c) {
    const Field& field = record.fields[c];
    const std::string_view text = tokenizer.text(record, field);
    if (is_null(text, field)) {
      if (options_.allow_nulls) continue;
      return nimbus::detail::concat(where(field.line, field.column), ": column '", names_[c], "': ",
                            text.empty() ? std::string("empty field") : "'" + std::string(text) + "' is null (nulls are not allowed here)");
    }
    if (!given_[c]) continue;
    const std::string problem = csv::parse_value(text, *given_[c], options_.allow_non_finite, nullptr);
    if (!problem.empty()) return nimbus::detail::concat(where(field.line, field.column), ": column '", names_[c], "': ", problem);
  }
  return {};
}

// A good record's value of an inferred column (Note [One pass per chunk]).
void CsvParse::append_inferred(ChunkParse& part, size_t c, std::string_view text) const {
  csv::ColumnPiece& piece = part.pieces[c];
  uint8_t& mask = part.masks[c];
  if (part.stale[c]) {
    mask &= csv::candidate_types(text, options_.allow_non_finite);
    return;
  }
  if (!piece.typed()) {
    // The first value of the column in this chunk: the mask was all ones.
    mask &= csv::candidate_types(text, options_.allow_non_finite);
    piece.set_type(csv::inferred_type(mask));
  }
  const DataType type = piece.type();
  if (type == DataType::string) {
    piece.append_string(text);
    return;
  }
  csv::Scalar value;
  if (csv::fits_inferred(text, type, options_.allow_non_finite, value)) {
    piece.append_scalar(value);
    return;
  }
  mask &= csv::candidate_types(text, options_.allow_non_finite);
  part.stale[c] = 1;
  piece.clear();
}

// The pass over a chunk (Note [One pass per chunk]): which records are bad, what types the good ones
// allow, and their values.
ChunkParse CsvParse::parse_chunk(const Chunk& chunk) const {
  ChunkParse part;
  const size_t n = expected_fields_;
  part.masks.assign(n, csv::kAllTypeBits);
  part.stale.assign(n, 0);
  part.pieces.resize(n);
  for (size_t c = 0; c < n; ++c) {
    if (given_[c]) part.pieces[c].set_type(*given_[c]);
  }
  // Records need checking beyond their shape only when some rule can reject a value.
  const bool check_values =
      !options_.allow_nulls || std::any_of(given_.begin(), given_.end(), [](const auto& type) { return type.has_value(); });
  std::vector<csv::Scalar> given_values(n);
  std::vector<uint8_t> nulls(n);
  constexpr int64_t kRecordsBeforeReserve = 1024;

  ChunkRecords records(text_, chunk, n, options_);
  for (int64_t index = 0; records.next(); ++index) {
    bool good = records.fits();
    for (size_t c = 0; good && c < n; ++c) {
      nulls[c] = !records.quoted(c) && is_null_text(records.text(c)) ? 1 : 0;
      if (!check_values) continue;
      if (nulls[c]) {
        good = options_.allow_nulls;
      } else if (given_[c] && *given_[c] != DataType::string) {
        good = csv::parse_scalar(records.text(c), *given_[c], options_.allow_non_finite, given_values[c]);
      }
    }
    if (!good) {
      std::string problem = problem_in(records.tokenizer(), records.record());
      NIMBUS_CHECK(!problem.empty(), "read_csv: a record was rejected without a reason");
      part.bad_records.push_back(index);
      if (part.messages.size() < kMaxSkippedMessages) part.messages.push_back(std::move(problem));
      if (!options_.skip_bad_rows) break;  // only the first error is reported
      continue;
    }
    ++part.rows;
    for (size_t c = 0; c < n; ++c) {
      if (options_.keep_locations) {
        part.field_lines.push_back(records.line(c));
        part.field_columns.push_back(records.column(c));
      }
      csv::ColumnPiece& piece = part.pieces[c];
      if (nulls[c]) {
        piece.append_null();
      } else if (!given_[c]) {
        append_inferred(part, c, records.text(c));
      } else if (*given_[c] == DataType::string) {
        piece.append_string(records.text(c));
      } else {
        piece.append_scalar(given_values[c]);
      }
    }
    if (index + 1 == kRecordsBeforeReserve) {
      // Room for the rest of the chunk, estimated from its first records, so that the vectors do not
      // grow (and copy, and fault in fresh pages) a dozen times.
      const size_t read = records.tokenizer().position() - chunk.begin;
      if (read > 0) {
        const double factor = 1.05 * static_cast<double>(chunk.end - chunk.begin) / static_cast<double>(read);
        if (factor > 1.5) {
          for (csv::ColumnPiece& piece : part.pieces) piece.grow_capacity(factor);
        }
      }
    }
  }
  return part;
}

// The second pass over a chunk, for the pieces whose values do not have their column's type.
void CsvParse::rebuild(const Chunk& chunk, ChunkParse& part) const {
  std::vector<size_t> columns;
  for (size_t c = 0; c < expected_fields_; ++c) {
    csv::ColumnPiece& piece = part.pieces[c];
    if (given_[c] || (!part.stale[c] && (!piece.typed() || piece.type() == types_[c]))) continue;
    piece.clear();
    piece.set_type(types_[c]);
    columns.push_back(c);
  }
  if (columns.empty()) return;
  ChunkRecords records(text_, chunk, expected_fields_, options_);
  auto bad = part.bad_records.begin();
  for (int64_t index = 0; records.next(); ++index) {
    if (bad != part.bad_records.end() && *bad == index) {
      ++bad;
      continue;
    }
    for (const size_t c : columns) {
      csv::ColumnPiece& piece = part.pieces[c];
      const std::string_view text = records.text(c);
      if (!records.quoted(c) && is_null_text(text)) {
        piece.append_null();
      } else if (types_[c] == DataType::string) {
        piece.append_string(text);
      } else {
        csv::Scalar value;
        if (!csv::parse_scalar(text, types_[c], options_.allow_non_finite, value)) {
          // The types were inferred from these very values.
          NIMBUS_THROW(ParseError, where(records.line(c), records.column(c)), ": column '", names_[c], "': ",
                       csv::parse_value(text, types_[c], options_.allow_non_finite, nullptr));
        }
        piece.append_scalar(value);
      }
    }
  }
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
          : std::max<int64_t>(kMinChunkBytes,
                              static_cast<int64_t>(text_.size()) / (std::max(threads_, 1) * kChunksPerThread) + 1);
  std::vector<Chunk> chunks;
  if (options_.header == CsvHeader::absent) {
    chunks = csv::split_into_chunks(text_, first_chunk_.begin, first_chunk_.first_line, options_.quote, chunk_bytes,
                                    threads_);
  } else {
    chunks = csv::split_into_chunks(text_, first_chunk_.end, line_after_first_, options_.quote, chunk_bytes, threads_);
  }

  std::vector<ChunkParse> parts(chunks.size());
  parallel_each(chunks.size(), threads_, [&](size_t k) { parts[k] = parse_chunk(chunks[k]); });

  if (options_.header == CsvHeader::detect) {
    // The first record is a header when one of its fields does not fit its column's type.
    ChunkParse first = parse_chunk(first_chunk_);
    bool header = !first.bad_records.empty();
    if (!header) {
      for (size_t c = 0; c < expected_fields_; ++c) {
        if (given_[c]) continue;
        uint8_t rest = csv::kAllTypeBits;
        for (const ChunkParse& part : parts) rest &= part.masks[c];
        if ((first.masks[c] & csv::type_bit(csv::inferred_type(rest))) == 0) header = true;
      }
    }
    if (header) {
      check_header_names();
      name_columns(true);
    } else {
      chunks.insert(chunks.begin(), first_chunk_);
      parts.insert(parts.begin(), std::move(first));
    }
  }

  CsvReadResult result;
  result.source = source_;
  for (const ChunkParse& part : parts) {
    if (!part.messages.empty() && !options_.skip_bad_rows) NIMBUS_THROW(ParseError, part.messages.front());
    result.skipped_rows += static_cast<int64_t>(part.bad_records.size());
    for (const std::string& message : part.messages) {
      if (result.skipped_messages.size() < kMaxSkippedMessages) result.skipped_messages.push_back(message);
    }
  }
  types_.resize(expected_fields_);
  for (size_t c = 0; c < expected_fields_; ++c) {
    uint8_t mask = csv::kAllTypeBits;
    for (const ChunkParse& part : parts) mask &= part.masks[c];
    types_[c] = given_[c] ? *given_[c] : csv::inferred_type(mask);
  }

  parallel_each(chunks.size(), threads_, [&](size_t k) { rebuild(chunks[k], parts[k]); });

  std::vector<Column> columns(expected_fields_);
  parallel_each(expected_fields_, threads_, [&](size_t c) {
    std::vector<const csv::ColumnPiece*> pieces;
    for (const ChunkParse& part : parts) pieces.push_back(&part.pieces[c]);
    columns[c] = csv::assemble_column(types_[c], pieces);
  });
  if (options_.keep_locations) {
    for (const ChunkParse& part : parts) {
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
  return nimbus::detail::concat(source, ":", field_lines[static_cast<size_t>(index)], ":",
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
  const FileBytes bytes(path);
  return read_csv_text(bytes.view(), path, options);
}

}  // namespace nimbus::analytics
