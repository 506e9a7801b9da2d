// The reader's fast paths give what the general paths give on the same inputs: plain records
// (Note [Plain records]) against Tokenizer::next, plain numbers against from_chars, the one-pass
// chunk build (Note [One pass per chunk]) against single-threaded reads, and mapped files against
// copied ones.
#include <gtest/gtest.h>

#include <bit>
#include <cstdio>
#include <fstream>
#include <random>

#include "analytics/column_builder.h"
#include "analytics/csv/csv_reader.h"
#include "analytics/csv/csv_tokenizer.h"
#include "analytics/csv/csv_values.h"
#include "analytics/io/file_bytes.h"

namespace nimbus::analytics {
namespace {

struct ReadRecord {
  std::vector<std::string> fields;
  int64_t line = 0, end_position = 0, line_after = 0;
  bool operator==(const ReadRecord&) const = default;
};

// Every record of `text` as next() alone reads it, or with next_plain() tried first (for records
// of `count` fields).
std::vector<ReadRecord> read_records(std::string_view text, size_t count, bool plain_first) {
  CsvReadOptions options;
  csv::Tokenizer tokenizer(text, 0, text.size(), 1, options);
  std::vector<ReadRecord> records;
  std::vector<std::string_view> fields(count);
  csv::Record record;
  for (;;) {
    ReadRecord read;
    read.line = tokenizer.line();
    if (plain_first && tokenizer.next_plain(count, fields.data())) {
      read.fields.assign(fields.begin(), fields.end());
    } else {
      if (!tokenizer.next(record)) break;
      // A record next_plain() would accept has no error and no quoted field.
      if (!record.error.empty()) read.fields.push_back("error: " + record.error);
      for (const csv::Field& field : record.fields) read.fields.emplace_back(tokenizer.text(record, field));
      read.line = record.line;
    }
    read.end_position = static_cast<int64_t>(tokenizer.position());
    read.line_after = tokenizer.line();
    records.push_back(read);
  }
  return records;
}

TEST(AnalyticsCsvFastPath, PlainRecordsReadAsTheGeneralTokenizerReadsThem) {
  const std::vector<std::string> texts = {
      "a,b,c\n1,2,3\n",
      "a,b,c\r\n1,2,3\r\n4,5,6",
      "a,b,c\n\n\n1,2,3\n",              // blank lines
      "a,b,c\n1,,\n,,\n",                // empty fields
      "a,b,c\n1,2\n1,2,3,4\n",           // ragged
      "a,b,c\n1,\"x,y\",3\n",            // quoted
      "a,b,c\n1,x\"y,3\n",               // a quote inside an unquoted field
      "a,b,c\n1,x\ry,3\n1,2,3\r",        // a lone '\r', and one at the very end
      "a,b,c\n1,2,3\r\r\n",
      "long_field_name_one,long_field_name_two,x\nabcdefghijklmnop,qrstuvwxyz0123456789,z",
  };
  for (const std::string& text : texts) {
    for (size_t count : {1u, 2u, 3u}) {
      EXPECT_EQ(read_records(text, count, true), read_records(text, count, false)) << text << " / " << count;
    }
  }
  // Random texts over the bytes that matter, with fields around the 8-byte word size.
  std::mt19937 random(11);
  const std::string alphabet = "ab,\n\r\" 7";
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text;
    const int size = static_cast<int>(random() % 40);
    for (int i = 0; i < size; ++i) text += alphabet[random() % alphabet.size()];
    for (size_t count : {1u, 2u, 3u, 4u}) {
      ASSERT_EQ(read_records(text, count, true), read_records(text, count, false)) << "'" << text << "' / " << count;
    }
  }
}

TEST(AnalyticsCsvFastPath, ScalarsParseAsParseValueDoes) {
  std::vector<std::string> texts = {
      "7", "+7", "-7", "-0", "+-1", "-+1", "--1", "+", "-", "", " 1", "1 ", "0x10", "007", "1.", ".5", "-.5",
      "+.5", "1.5", "-1.5", "-0.0", "1e5", "1E-3", "1.5e300", "1e400", "123456789", "1234567890", "2147483647",
      "2147483648", "-2147483648", "-2147483649", "999999999999999999", "9999999999999999999",
      "-9223372036854775808", "9223372036854775808", "123456789012345", "1234567890123456", "1234567890.123456",
      "0.1", "0.3", "41.697977", "99999.999999", "0.000000000000001", "nan", "NaN", "inf", "-inf", "Infinity",
      "1,5", "1..5", "1.5.", "true", "TRUE", "False", "yes", "2024-01-31", "2024-02-30", "2024-1-1",
      "2024-01-31 12:00:00", "2024-01-31T12:00:00.123456", "12:00", "id001"};
  std::mt19937 random(5);
  for (int i = 0; i < 2000; ++i) {
    // Decimals of up to 17 digits, on both sides of the fast path's 15-digit limit.
    std::string text = random() % 2 ? "-" : "";
    const int before = static_cast<int>(random() % 9), after = static_cast<int>(random() % 10);
    for (int d = 0; d < before; ++d) text += static_cast<char>('0' + random() % 10);
    if (after > 0 || before == 0) text += '.';
    for (int d = 0; d < after; ++d) text += static_cast<char>('0' + random() % 10);
    texts.push_back(text);
  }
  const DataType types[] = {DataType::boolean, DataType::int32,  DataType::int64,    DataType::float32,
                            DataType::float64, DataType::date32, DataType::timestamp};
  for (const bool allow_non_finite : {true, false}) {
    for (const std::string& text : texts) {
      const uint8_t candidates = csv::candidate_types(text, allow_non_finite);
      for (const DataType type : types) {
        ColumnBuilder builder(type);
        const bool accepted = csv::parse_value(text, type, allow_non_finite, &builder).empty();
        csv::Scalar value{};
        ASSERT_EQ(csv::parse_scalar(text, type, allow_non_finite, value), accepted)
            << "'" << text << "' as " << data_type_name(type);
        csv::Scalar inferred{};
        if (type != DataType::float32) {  // never inferred (float64's bit)
          ASSERT_EQ(csv::fits_inferred(text, type, allow_non_finite, inferred), (candidates & csv::type_bit(type)) != 0)
              << "'" << text << "' inferred as " << data_type_name(type);
        }
        if (!accepted) continue;
        const Column column = builder.finish();
        switch (type) {
          case DataType::boolean: EXPECT_EQ(value.b, column.bool_value(0)) << text; break;
          case DataType::int32:
          case DataType::date32: EXPECT_EQ(value.i32, column.values<int32_t>()[0]) << text; break;
          case DataType::int64:
          case DataType::timestamp: EXPECT_EQ(value.i64, column.values<int64_t>()[0]) << text; break;
          case DataType::float32:
            EXPECT_EQ(std::bit_cast<uint32_t>(value.f32), std::bit_cast<uint32_t>(column.values<float>()[0])) << text;
            break;
          case DataType::float64:  // bit for bit: the same rounding, and -0.0 stays negative
            EXPECT_EQ(std::bit_cast<uint64_t>(value.f64), std::bit_cast<uint64_t>(column.values<double>()[0])) << text;
            break;
          case DataType::string: break;
        }
      }
    }
  }
}

// Columns whose values change type part-way: chunks that start with ints in a float column, a
// column that turns into strings mid-chunk, chunks of nulls only, dates that meet numbers.
std::string shifting_csv(int rows) {
  std::string text = "i,f,s,n,d,q\n";
  for (int r = 0; r < rows; ++r) {
    text += std::to_string(r * 7 - 1000) + ",";
    text += r % 500 < 250 ? std::to_string(r) : std::to_string(r) + ".25";
    text += ",";
    text += r == rows - 3 ? "abc" : std::to_string(r % 13);
    text += ",";
    text += r % 1000 < 600 ? "" : std::to_string(r);
    text += ",";
    text += r == rows / 2 ? "17" : "2024-03-0" + std::to_string(1 + r % 9);
    text += ",";
    text += r % 3 == 0 ? "\"7\"" : "8";  // quoted fields go through the general tokenizer
    text += r % 4 == 0 ? "\r\n" : "\n";
  }
  return text;
}

TEST(AnalyticsCsvFastPath, OnePassTypesMatchTheWholeFileForAnyChunking) {
  const std::string text = shifting_csv(4000);
  CsvReadOptions one;
  one.threads = 1;
  one.keep_locations = true;
  const CsvReadResult reference = read_csv_text(text, "s.csv", one);
  const Table& table = reference.table;
  ASSERT_EQ(table.num_rows(), 4000);
  EXPECT_EQ(table.column("i").type(), DataType::int32);
  EXPECT_EQ(table.column("f").type(), DataType::float64);
  EXPECT_EQ(table.column("f").values<double>()[1], 1.0);
  EXPECT_EQ(table.column("f").values<double>()[251], 251.25);
  EXPECT_EQ(table.column("s").type(), DataType::string);
  EXPECT_EQ(table.column("s").string_value(14), "1");
  EXPECT_EQ(table.column("s").string_value(3997), "abc");
  EXPECT_EQ(table.column("n").type(), DataType::int32);
  EXPECT_EQ(table.column("n").null_count(), 2400);
  EXPECT_EQ(table.column("d").type(), DataType::string);
  EXPECT_EQ(table.column("d").string_value(0), "2024-03-01");
  EXPECT_EQ(table.column("q").type(), DataType::int32);
  for (int threads : {1, 2, 3}) {
    for (int64_t chunk_bytes : {13, 200, 4096, 30000}) {
      CsvReadOptions many = one;
      many.threads = threads;
      many.chunk_bytes = chunk_bytes;
      const CsvReadResult result = read_csv_text(text, "s.csv", many);
      ASSERT_TRUE(result.table.equals(table)) << threads << " threads, chunks of " << chunk_bytes;
      EXPECT_EQ(result.field_lines, reference.field_lines);
      EXPECT_EQ(result.field_columns, reference.field_columns);
    }
  }
  // Trimming turns the fast tokenizer off; with no blanks in the text the table and the locations
  // are the same.
  CsvReadOptions trimmed = one;
  trimmed.trim_whitespace = true;
  trimmed.threads = 2;
  trimmed.chunk_bytes = 500;
  const CsvReadResult general = read_csv_text(text, "s.csv", trimmed);
  EXPECT_TRUE(general.table.equals(table));
  EXPECT_EQ(general.field_lines, reference.field_lines);
  EXPECT_EQ(general.field_columns, reference.field_columns);
}

TEST(AnalyticsCsvFastPath, BadRecordsDoNotTakePartInInference) {
  // The second record is bad (b is given as int32), so its "x" must not make a a string column.
  const std::string text = "a,b\n1,2\nx,oops\n3,4\n";
  CsvReadOptions options;
  options.column_types = {{"b", DataType::int32}};
  options.skip_bad_rows = true;
  for (int64_t chunk_bytes : {0, 1, 6}) {
    options.chunk_bytes = chunk_bytes;
    options.threads = chunk_bytes == 0 ? 1 : 3;
    const CsvReadResult result = read_csv_text(text, "b.csv", options);
    EXPECT_EQ(result.skipped_rows, 1);
    ASSERT_EQ(result.table.num_rows(), 2);
    EXPECT_EQ(result.table.column("a").type(), DataType::int32);
    EXPECT_EQ(result.table.column("a").values<int32_t>()[1], 3);
    EXPECT_EQ(result.table.column("b").values<int32_t>()[1], 4);
  }
  options.skip_bad_rows = false;
  options.chunk_bytes = 1;
  try {
    read_csv_text(text, "b.csv", options);
    ADD_FAILURE() << "no error";
  } catch (const ParseError& e) {
    EXPECT_STREQ(e.what(), "b.csv:3:3: column 'b': 'oops' is not an integer");
  }
}

TEST(AnalyticsCsvFastPath, MappedFilesReadAsCopiedOnes) {
  const std::string path = ::testing::TempDir() + "csv_fast_path_mapped.csv";
  const std::string text = shifting_csv(300);
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  EXPECT_EQ(FileBytes(path).view(), text);
  EXPECT_EQ(FileBytes(path).view(), read_file_bytes(path));
  EXPECT_TRUE(read_csv(path).table.equals(read_csv_text(text, path).table));
  { std::ofstream empty(path, std::ios::binary | std::ios::trunc); }
  EXPECT_EQ(FileBytes(path).view(), "");
  EXPECT_EQ(read_csv(path).table.num_columns(), 0);
  EXPECT_THROW(FileBytes(path + ".absent"), IOError);
  EXPECT_THROW(FileBytes(::testing::TempDir()), IOError);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace nimbus::analytics
