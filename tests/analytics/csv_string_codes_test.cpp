// The CSV reader codes string columns (Note [String codes] in column.h): equal strings share a
// code and different strings never do, across chunks and threads, with NULLs and empty strings;
// columns of mostly distinct strings are left uncoded; slices keep the codes and take drops them.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "analytics/csv/csv_reader.h"
#include "analytics/ops/take.h"

namespace nimbus::analytics {
namespace {

// A category column (few distinct values, NULLs, an empty quoted string) and a unique column.
std::string category_csv(int rows, uint32_t seed) {
  std::mt19937 random(seed);
  std::string text = "cat,unique\n";
  for (int r = 0; r < rows; ++r) {
    const uint32_t pick = random() % 40;
    if (pick == 0) text += "NA";
    else if (pick == 1) text += "\"\"";
    else text.append("c").append(std::to_string(pick % 23));
    text.append(",u").append(std::to_string(r)).append("\n");
  }
  return text;
}

// Every non-null row's code matches its string one to one, and codes are in range.
void expect_codes_follow_strings(const Column& column) {
  ASSERT_TRUE(column.has_string_codes());
  std::map<std::string, uint32_t> code_of;
  std::map<uint32_t, std::string> string_of;
  for (int64_t i = 0; i < column.length(); ++i) {
    const uint32_t code = column.string_codes()[i];
    ASSERT_LT(static_cast<int64_t>(code), column.string_code_count());
    if (column.is_null(i)) continue;
    const std::string text(column.string_value(i));
    const auto [by_string, new_string] = code_of.emplace(text, code);
    const auto [by_code, new_code] = string_of.emplace(code, text);
    EXPECT_EQ(by_string->second, code) << "row " << i;
    EXPECT_EQ(by_code->second, text) << "row " << i;
    EXPECT_EQ(new_string, new_code) << "row " << i;
  }
}

TEST(AnalyticsCsvStringCodes, EqualStringsShareACodeAcrossChunksAndThreads) {
  const std::string text = category_csv(20000, 3);
  for (int threads : {1, 2, 3}) {
    CsvReadOptions options;
    options.threads = threads;
    options.chunk_bytes = 4096;
    const Table table = read_csv_text(text, "c.csv", options).table;
    const Column& cat = table.column("cat");
    EXPECT_GT(cat.null_count(), 0);
    expect_codes_follow_strings(cat);
    expect_codes_follow_strings(cat.slice(777, 5000));
    EXPECT_FALSE(take(cat, std::vector<int64_t>{0, 1, 2}).has_string_codes());
  }
}

TEST(AnalyticsCsvStringCodes, MostlyDistinctStringsAreNotCoded) {
  CsvReadOptions options;
  options.threads = 2;
  const Table table = read_csv_text(category_csv(70000, 5), "u.csv", options).table;
  EXPECT_TRUE(table.column("cat").has_string_codes());
  EXPECT_FALSE(table.column("unique").has_string_codes());
}

TEST(AnalyticsCsvStringCodes, AColumnOfNullsOnlyOrGivenAsStringIsCoded) {
  CsvReadOptions options;
  options.column_types = {{"n", DataType::string}, {"s", DataType::string}};
  const Table table = read_csv_text("n,s\nNA,1\nNA,2\nNA,1\n", "n.csv", options).table;
  EXPECT_EQ(table.column("n").null_count(), 3);
  expect_codes_follow_strings(table.column("n"));
  expect_codes_follow_strings(table.column("s"));
  EXPECT_EQ(table.column("s").string_codes()[0], table.column("s").string_codes()[2]);
}

}  // namespace
}  // namespace nimbus::analytics
