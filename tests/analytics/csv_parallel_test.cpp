// Parsing split across threads (Note [CSV chunking]) gives the single-threaded table, also when
// quoted fields hold newlines and quotes at chunk edges, and reports the same first error.
#include <gtest/gtest.h>

#include <random>

#include "analytics/csv/csv_reader.h"

namespace nimbus::analytics {
namespace {

// Rows with ints, floats, nulls and strings that hold delimiters, doubled quotes and newlines.
std::string generated_csv(int rows, uint32_t seed) {
  std::mt19937 random(seed);
  std::string text = "id,value,note,flag\r\n";
  const char* notes[] = {"plain", "\"with, comma\"", "\"two\nlines\"", "\"say \"\"hi\"\"\"", "", "NA",
                         "\"\"", "\"a\r\nb\nc\""};
  for (int r = 0; r < rows; ++r) {
    text += std::to_string(r) + ",";
    if (random() % 7 != 0) text += std::to_string(static_cast<double>(random() % 100000) / 64.0);
    text += ",";
    text += notes[random() % 8];
    text += ",";
    text += random() % 2 ? "true" : "false";
    text += random() % 3 == 0 ? "\r\n" : "\n";
  }
  return text;
}

TEST(AnalyticsCsvParallel, ChunkedParseEqualsSingleThreaded) {
  const std::string text = generated_csv(3000, 7);
  CsvReadOptions one;
  one.threads = 1;
  one.keep_locations = true;
  const CsvReadResult reference = read_csv_text(text, "g.csv", one);
  ASSERT_EQ(reference.table.num_rows(), 3000);
  EXPECT_EQ(reference.table.column("value").type(), DataType::float64);
  EXPECT_GT(reference.table.column("value").null_count(), 0);
  EXPECT_EQ(reference.table.column("flag").type(), DataType::boolean);
  for (int threads : {2, 3, 4}) {
    for (int64_t chunk_bytes : {1, 7, 64, 1000, 100000}) {
      CsvReadOptions many = one;
      many.threads = threads;
      many.chunk_bytes = chunk_bytes;
      const CsvReadResult result = read_csv_text(text, "g.csv", many);
      EXPECT_TRUE(result.table.equals(reference.table)) << threads << " threads, chunks of " << chunk_bytes;
      EXPECT_EQ(result.field_lines, reference.field_lines);
      EXPECT_EQ(result.field_columns, reference.field_columns);
    }
  }
}

TEST(AnalyticsCsvParallel, FirstErrorAndSkippedCountDoNotDependOnThreads) {
  std::string text = generated_csv(500, 3);
  text += "oops,1,x\n";                  // ragged, on line
  text += generated_csv(500, 4).substr(20);  // more rows (without their header)
  text += "\"never closed,1,x,true\n1,2,3,true\n";
  CsvReadOptions one;
  one.threads = 1;
  std::string expected;
  try {
    read_csv_text(text, "g.csv", one);
  } catch (const ParseError& e) {
    expected = e.what();
  }
  ASSERT_NE(expected.find("expected 4 fields as in the header, found 3"), std::string::npos) << expected;
  CsvReadOptions skip = one;
  skip.skip_bad_rows = true;
  const CsvReadResult reference = read_csv_text(text, "g.csv", skip);
  EXPECT_EQ(reference.skipped_rows, 2);  // the ragged row, and the unclosed quote to the end
  for (int64_t chunk_bytes : {5, 300, 5000}) {
    CsvReadOptions many = one;
    many.threads = 4;
    many.chunk_bytes = chunk_bytes;
    try {
      read_csv_text(text, "g.csv", many);
      ADD_FAILURE() << "no error";
    } catch (const ParseError& e) {
      EXPECT_EQ(e.what(), expected);
    }
    many.skip_bad_rows = true;
    const CsvReadResult result = read_csv_text(text, "g.csv", many);
    EXPECT_EQ(result.skipped_rows, reference.skipped_rows);
    EXPECT_EQ(result.skipped_messages, reference.skipped_messages);
    EXPECT_TRUE(result.table.equals(reference.table)) << chunk_bytes;
  }
}

}  // namespace
}  // namespace nimbus::analytics
