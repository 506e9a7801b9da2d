// The CSV reader's string columns code on demand (Note [String codes] in column.h): nothing is
// coded by the load; the first ensure_string_codes codes once for the column, its copies and its
// slices (concurrent callers included); equal strings share a code and different strings never do,
// across pieces and threads, with NULLs and empty strings; small slices do not start the work;
// take drops the codes.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

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
  ASSERT_TRUE(column.ensure_string_codes());
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

TEST(AnalyticsCsvStringCodes, EqualStringsShareACodeAcrossPiecesAndThreads) {
  const std::string text = category_csv(200000, 3);  // several coding pieces of 65536 rows
  for (int threads : {1, 2, 3}) {
    CsvReadOptions options;
    options.threads = threads;
    options.chunk_bytes = 4096;
    const Table table = read_csv_text(text, "c.csv", options).table;
    const Column& cat = table.column("cat");
    EXPECT_GT(cat.null_count(), 0);
    EXPECT_FALSE(cat.has_string_codes());  // the load codes nothing
    ASSERT_TRUE(cat.ensure_string_codes(threads));
    expect_codes_follow_strings(cat);
    expect_codes_follow_strings(cat.slice(777, 5000));  // shares the codes already computed
    expect_codes_follow_strings(table.column("unique"));
    EXPECT_EQ(table.column("unique").string_code_count(), 200000);
    EXPECT_FALSE(take(cat, std::vector<int64_t>{0, 1, 2}).has_string_codes());
  }
}

TEST(AnalyticsCsvStringCodes, CodesComputedThroughASliceOrACopyServeTheWholeColumn) {
  const Table table = read_csv_text(category_csv(4000, 5), "s.csv", {}).table;
  const Column cat = table.column("cat");
  const Column small = cat.slice(10, 900);  // under a quarter of the rows
  EXPECT_FALSE(small.ensure_string_codes());
  EXPECT_FALSE(cat.has_string_codes());
  const Column copy = cat;
  ASSERT_TRUE(copy.slice(100, 3000).ensure_string_codes());
  EXPECT_TRUE(cat.has_string_codes());
  EXPECT_TRUE(small.has_string_codes());  // a small slice uses codes already there
  EXPECT_EQ(small.string_codes(), cat.string_codes() + 10);
  expect_codes_follow_strings(small);
}

TEST(AnalyticsCsvStringCodes, ConcurrentCallersCodeOnce) {
  const Table table = read_csv_text(category_csv(150000, 7), "t.csv", {}).table;
  const Column cat = table.column("cat");
  std::vector<const uint32_t*> seen(4, nullptr);
  std::vector<std::thread> callers;
  for (size_t t = 0; t < seen.size(); ++t) {
    callers.emplace_back([&, t] {
      const Column mine = cat.slice(0, cat.length() - static_cast<int64_t>(t));
      if (mine.ensure_string_codes(2)) seen[t] = mine.string_codes();
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (const uint32_t* codes : seen) EXPECT_EQ(codes, seen[0]);
  ASSERT_NE(seen[0], nullptr);
  expect_codes_follow_strings(cat);
}

TEST(AnalyticsCsvStringCodes, ColumnsWithoutAHolderHaveNoCodes) {
  const Table table = read_csv_text("s,n\na,1\nb,2\n", "h.csv", {}).table;
  EXPECT_FALSE(table.column("n").ensure_string_codes());
  EXPECT_FALSE(take(table.column("s"), std::vector<int64_t>{1, 0}).ensure_string_codes());
  EXPECT_EQ(table.column("n").string_code_count(), 0);
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
