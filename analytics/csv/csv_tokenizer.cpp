#include "analytics/csv/csv_tokenizer.h"

#include <bit>
#include <cstring>

#include "runtime/error.h"

namespace nimbus::analytics::csv {

namespace {

// Note [Plain records]
// Most records of most files hold no quotes, so next_plain() reads them by looking only for the
// four bytes that can end or complicate an unquoted field: the delimiter, '\n', '\r' and the quote.
// It finds them eight bytes at a time (SWAR: a byte equal to b makes (x ^ b·0x01..01) have a zero
// byte, and the lowest flagged byte of the classic zero-byte test is always a true one). Anything it
// does not handle (a quote, a lone '\r', a blank line, a wrong field count, trimming) it leaves to
// next(), which reads the record from the same position, so both paths agree by construction: the
// fast path only accepts records where next() would find exactly these fields.
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;

uint64_t zero_bytes(uint64_t x) { return (x - kOnes) & ~x & kHighs; }

// The first delimiter, '\n', '\r' or quote in [p, end), or `end`. Reads 8-byte words up to `limit`
// (the end of the whole text, which may lie after `end`).
const char* find_special(const char* p, const char* end, const char* limit, char delimiter, char quote) {
  if constexpr (std::endian::native == std::endian::little) {
    const uint64_t d = kOnes * static_cast<uint8_t>(delimiter), q = kOnes * static_cast<uint8_t>(quote);
    const uint64_t n = kOnes * static_cast<uint8_t>('\n'), r = kOnes * static_cast<uint8_t>('\r');
    while (p < end && limit - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      const uint64_t hits = zero_bytes(word ^ d) | zero_bytes(word ^ q) | zero_bytes(word ^ n) | zero_bytes(word ^ r);
      if (hits != 0) {
        const char* at = p + (std::countr_zero(hits) >> 3);
        return at < end ? at : end;
      }
      p += 8;
    }
  }
  for (; p < end; ++p) {
    const char c = *p;
    if (c == delimiter || c == '\n' || c == '\r' || c == quote) return p;
  }
  return end;
}

}  // namespace

Tokenizer::Tokenizer(std::string_view text, size_t begin, size_t end, int64_t first_line,
                     const CsvReadOptions& options)
    : text_(text),
      pos_(begin),
      end_(end),
      line_(first_line),
      line_start_(begin),
      delimiter_(options.delimiter),
      quote_(options.quote),
      trim_(options.trim_whitespace),
      skip_blank_(options.skip_blank_lines) {}

void Tokenizer::fail(Record& record, std::string message, size_t pos, int64_t line) {
  if (record.error.empty()) {
    record.error = std::move(message);
    record.error_line = line;
    record.error_column = column_of(pos);
  }
}

// After a malformed record: the record ends at the first newline at even quote parity counted from
// its start (Note [CSV chunking]), whatever the malformation was.
void Tokenizer::skip_to_record_end(size_t record_begin, int64_t record_line, size_t record_line_start) {
  pos_ = record_begin;
  line_ = record_line;
  line_start_ = record_line_start;
  bool inside = false;
  for (; pos_ < end_; ++pos_) {
    const char c = text_[pos_];
    if (c == quote_) {
      inside = !inside;
    } else if (c == '\n') {
      newline_at(pos_);
      if (!inside) {
        ++pos_;
        return;
      }
    }
  }
}

// At an opening quote: reads to the closing quote. False when there is none (the error is set).
bool Tokenizer::read_quoted(Record& record, Field& field) {
  const size_t open = pos_;
  const int64_t open_line = line_;
  const int64_t open_column = column_of(open);
  field.quoted = true;
  size_t run = ++pos_;  // start of the text not yet copied (for fields with doubled quotes)
  field.begin = pos_;
  for (;;) {
    if (pos_ >= end_) {
      if (record.error.empty()) {
        record.error = "quoted field has no closing quote";
        record.error_line = open_line;
        record.error_column = open_column;
      }
      return false;
    }
    const char c = text_[pos_];
    if (c == '\n') {
      newline_at(pos_);
      ++pos_;
    } else if (c != quote_) {
      ++pos_;
    } else if (pos_ + 1 < end_ && text_[pos_ + 1] == quote_) {
      // A doubled quote: the field is copied without the second one.
      if (!field.unescaped_copy) {
        field.unescaped_copy = true;
        field.begin = record.unescaped.size();
      }
      record.unescaped.append(text_.substr(run, pos_ + 1 - run));
      pos_ += 2;
      run = pos_;
    } else {
      break;
    }
  }
  if (field.unescaped_copy) {
    record.unescaped.append(text_.substr(run, pos_ - run));
    field.size = record.unescaped.size() - field.begin;
  } else {
    field.size = pos_ - field.begin;
  }
  ++pos_;  // the closing quote
  return true;
}

bool Tokenizer::next_plain(size_t count, std::string_view* fields) {
  if (trim_ || count == 0) return false;
  const char* const base = text_.data();
  const char* const end = base + end_;
  const char* const limit = base + text_.size();
  const char* p = base + pos_;
  if (p >= end) return false;
  for (size_t c = 0; c + 1 < count; ++c) {
    const char* stop = find_special(p, end, limit, delimiter_, quote_);
    if (stop == end || *stop != delimiter_) return false;
    fields[c] = std::string_view(p, static_cast<size_t>(stop - p));
    p = stop + 1;
  }
  const char* stop = find_special(p, end, limit, delimiter_, quote_);
  // One empty field alone on its line is a blank line (or, not skipped, an empty record): next().
  if (count == 1 && stop == p) return false;
  fields[count - 1] = std::string_view(p, static_cast<size_t>(stop - p));
  if (stop == end) {
    pos_ = end_;
    return true;
  }
  size_t newline = static_cast<size_t>(stop - base);
  if (*stop == '\r') {
    if (stop + 1 == end || stop[1] != '\n') return false;
    ++newline;
  } else if (*stop != '\n') {
    return false;
  }
  newline_at(newline);
  pos_ = newline + 1;
  return true;
}

bool Tokenizer::next(Record& record) {
  record.fields.clear();
  record.unescaped.clear();
  record.error.clear();
  for (;;) {
    if (pos_ >= end_) return false;
    // A blank line (only a line ending, or with trimming only spaces and tabs) is no record.
    size_t look = pos_;
    while (trim_ && look < end_ && is_blank(text_[look])) ++look;
    const bool at_line_end = look >= end_ || text_[look] == '\n' ||
                             (text_[look] == '\r' && (look + 1 >= end_ || text_[look + 1] == '\n'));
    if (!skip_blank_ || !at_line_end) break;
    pos_ = look;
    if (pos_ < end_ && text_[pos_] == '\r') ++pos_;
    if (pos_ < end_) {
      newline_at(pos_);
      ++pos_;
    }
  }

  const size_t record_begin = pos_, record_line_start = line_start_;
  record.line = line_;
  for (;;) {
    Field field;
    const size_t field_start = pos_;
    while (trim_ && pos_ < end_ && is_blank(text_[pos_])) ++pos_;
    field.line = line_;
    field.column = column_of(pos_);
    if (pos_ < end_ && text_[pos_] == quote_) {
      if (!read_quoted(record, field)) break;
      while (trim_ && pos_ < end_ && is_blank(text_[pos_])) ++pos_;
      const bool ends_field = pos_ >= end_ || text_[pos_] == delimiter_ || text_[pos_] == '\n' ||
                              (text_[pos_] == '\r' && (pos_ + 1 >= end_ || text_[pos_ + 1] == '\n'));
      if (!ends_field) {
        fail(record,
             detail::concat("unexpected '", text_[pos_],
                            "' after the closing quote of a field (expected the delimiter or the end of the line)"),
             pos_, line_);
        break;
      }
    } else {
      size_t stop = pos_;
      while (stop < end_ && text_[stop] != delimiter_ && text_[stop] != '\n' && text_[stop] != quote_) ++stop;
      if (stop < end_ && text_[stop] == quote_) {
        fail(record,
             "a quote inside an unquoted field (RFC 4180: quote the whole field and double the quotes in it)",
             stop, line_);
        break;
      }
      size_t last = stop;
      if (last > pos_ && text_[last - 1] == '\r' && (last >= end_ || text_[last] == '\n')) --last;
      while (trim_ && last > pos_ && is_blank(text_[last - 1])) --last;
      field.begin = pos_;
      field.size = last - pos_;
      // An empty field is reported where it starts, right after the delimiter.
      if (field.size == 0) field.column = column_of(field_start);
      pos_ = stop;
    }
    record.fields.push_back(field);
    if (pos_ < end_ && text_[pos_] == '\r') ++pos_;
    if (pos_ >= end_) {
      record.end_line = line_;
      record.end_column = column_of(pos_);
      return true;
    }
    if (text_[pos_] == '\n') {
      // The end column is the byte after the last one before the line ending.
      record.end_line = line_;
      record.end_column = column_of(pos_ > 0 && text_[pos_ - 1] == '\r' ? pos_ - 1 : pos_);
      newline_at(pos_);
      ++pos_;
      return true;
    }
    ++pos_;  // the delimiter
  }
  skip_to_record_end(record_begin, record.line, record_line_start);
  return true;
}

}  // namespace nimbus::analytics::csv
