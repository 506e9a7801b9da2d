// take (gather by index, kNullRow for a NULL row) and filter (bool selection with NULL = not
// selected, or row numbers), over every column type, sliced columns and long inputs.
#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "analytics/ops/filter.h"
#include "analytics/ops/take.h"
#include "ops_test_tables.h"

namespace nimbus::analytics {
namespace {

using namespace test;

TEST(OpsTake, GathersEveryTypeWithRepeatsAndNullRows) {
  const Table table({"i", "f", "s", "b", "d"},
                    {int64s({10, std::nullopt, 30}), float64s({1.5, 2.5, std::nullopt}),
                     strings({"a", std::nullopt, "ccc"}), bools({true, false, std::nullopt}),
                     dates({0, 365, std::nullopt})});
  const std::vector<int64_t> indices{2, 0, kNullRow, 0, 1};
  const Table out = take(table, indices);
  ASSERT_EQ(out.num_rows(), 5);
  EXPECT_EQ(out.names(), table.names());
  EXPECT_EQ(texts(out.column("i")), (std::vector<std::string>{"30", "10", "null", "10", "null"}));
  EXPECT_EQ(texts(out.column("f")), (std::vector<std::string>{"null", "1.5", "null", "1.5", "2.5"}));
  EXPECT_EQ(texts(out.column("s")), (std::vector<std::string>{"ccc", "a", "null", "a", "null"}));
  EXPECT_EQ(texts(out.column("b")), (std::vector<std::string>{"null", "true", "null", "true", "false"}));
  EXPECT_EQ(texts(out.column("d")), (std::vector<std::string>{"null", "1970-01-01", "null", "1970-01-01", "1971-01-01"}));
}

TEST(OpsTake, NoNullsTakenMeansNoBitmap) {
  const Column column = int64s({1, std::nullopt, 3});
  const std::vector<int64_t> indices{2, 0};
  const Column out = take(column, indices);
  EXPECT_FALSE(out.validity().defined());
  EXPECT_EQ(texts(out), (std::vector<std::string>{"3", "1"}));
  EXPECT_EQ(take(column, std::vector<int64_t>{}).length(), 0);
}

TEST(OpsTake, SlicedColumnsUseTheirOffset) {
  const Column strs = strings({"x", "yy", std::nullopt, "zzz", "w"}).slice(1, 4);  // yy null zzz w
  const Column bits = bools({true, true, false, std::nullopt, true}).slice(2, 3);  // false null true
  const std::vector<int64_t> indices{3, 0, 1};
  EXPECT_EQ(texts(take(strs, indices)), (std::vector<std::string>{"w", "yy", "null"}));
  const std::vector<int64_t> bit_indices{2, 1, 0};
  EXPECT_EQ(texts(take(bits, bit_indices)), (std::vector<std::string>{"true", "null", "false"}));
}

TEST(OpsTake, LongInputsMatchRowByRowAndDoNotDependOnThreads) {
  const Table table = offset_copy(random_table(70000, 11));
  std::vector<int64_t> indices(table.num_rows());
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<int64_t>((i * 7919) % indices.size());
  indices[5] = kNullRow;
  const Table one = take(table, indices, {.threads = 1});
  const Table two = take(table, indices, {.threads = 2});
  EXPECT_TRUE(one.equals(two));
  for (int64_t c = 0; c < table.num_columns(); ++c) {
    for (size_t i = 0; i < indices.size(); i += 997) {
      const std::string expected = indices[i] == kNullRow ? "null" : table.column(c).value_text(indices[i]);
      ASSERT_EQ(one.column(c).value_text(static_cast<int64_t>(i)), expected) << table.names()[c] << " " << i;
    }
  }
}

// Note [String gather]: every row of a string gather, with strings shorter and longer than the
// 16-byte copy, empty ones, nulls, NULL rows, a sliced source and a short last string at the very
// end of the characters (where a 16-byte load would overrun), over several blocks of rows.
TEST(OpsTake, StringGatherMatchesRowByRow) {
  std::mt19937 random(5);
  ColumnBuilder builder(DataType::string);
  const int64_t length = 50000;
  for (int64_t r = 0; r < length; ++r) {
    if (random() % 17 == 0) {
      builder.append_null();
      continue;
    }
    std::string text(static_cast<size_t>(random() % 41), 'a');
    for (char& c : text) c = static_cast<char>('a' + random() % 26);
    builder.append_string(text);
  }
  builder.append_string("end");  // the last characters of the buffer
  const Column column = builder.finish().slice(3, length - 2);
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < 3 * column.length(); ++i)
    indices.push_back(random() % 29 == 0 ? kNullRow : static_cast<int64_t>(random() % column.length()));
  indices.push_back(column.length() - 1);
  for (int threads : {1, 2, 3}) {
    const Column taken = take(column, indices, {.threads = threads});
    ASSERT_EQ(taken.length(), static_cast<int64_t>(indices.size()));
    for (size_t i = 0; i < indices.size(); ++i) {
      const std::string expected = indices[i] == kNullRow ? "null" : column.value_text(indices[i]);
      ASSERT_EQ(taken.value_text(static_cast<int64_t>(i)), expected) << "row " << i << ", " << threads << " threads";
    }
  }
}

TEST(OpsTake, OutOfRangeIndexIsAnError) {
  const Column column = int64s({1, 2});
  try {
    take(column, std::vector<int64_t>{0, 2});
    FAIL();
  } catch (const ShapeError& error) {
    EXPECT_NE(std::string(error.what()).find("index 2 (position 1) is outside a column of 2 rows"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(take(column, std::vector<int64_t>{-2}), ShapeError);
}

TEST(OpsFilter, NullSelectsNothing) {
  const Table table({"a", "s"}, {int64s({1, 2, 3, 4}), strings({"w", "x", std::nullopt, "z"})});
  const Table out = filter(table, bools({true, std::nullopt, true, false}));
  EXPECT_EQ(texts(out.column("a")), (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(texts(out.column("s")), (std::vector<std::string>{"w", "null"}));
}

TEST(OpsFilter, AllAndNoneAreFastPaths) {
  const Table table({"a"}, {int64s({1, 2, 3})});
  const Table all = filter(table, bools({true, true, true}));
  EXPECT_EQ(all.column("a").data().data(), table.column("a").data().data());  // shares the buffer
  EXPECT_EQ(filter(table, bools({false, std::nullopt, false})).num_rows(), 0);
}

TEST(OpsFilter, SelectionBitsAtAnyOffsetAndLength) {
  // 100 rows, every third selected, a NULL every seventh; sliced at offsets 0..9.
  std::vector<std::optional<bool>> flags;
  for (int i = 0; i < 110; ++i) flags.push_back(i % 7 == 0 ? std::nullopt : std::optional<bool>(i % 3 == 0));
  const Column selection = bools(flags);
  for (int64_t offset = 0; offset < 10; ++offset) {
    std::vector<int64_t> expected;
    for (int64_t i = 0; i < 100; ++i) {
      if (flags[offset + i].value_or(false)) expected.push_back(i);
    }
    EXPECT_EQ(selected_rows(selection.slice(offset, 100)), expected) << offset;
  }
}

TEST(OpsFilter, ByRowNumbers) {
  const Table table({"a"}, {int64s({5, 6, 7})});
  const std::vector<int64_t> rows{2, 2, 0};
  EXPECT_EQ(texts(filter(table, rows).column("a")), (std::vector<std::string>{"7", "7", "5"}));
  // Every row in order is the table itself; the same count in another order is gathered.
  const Table all = filter(table, std::vector<int64_t>{0, 1, 2});
  EXPECT_EQ(all.column("a").data().data(), table.column("a").data().data());
  EXPECT_EQ(texts(filter(table, std::vector<int64_t>{0, 2, 1}).column("a")), (std::vector<std::string>{"5", "7", "6"}));
  try {
    filter(table, std::vector<int64_t>{kNullRow});
    FAIL();
  } catch (const ShapeError& error) {
    EXPECT_NE(std::string(error.what()).find("filter: row -1 (position 0) is outside a table of 3 rows"),
              std::string::npos);
  }
}

TEST(OpsFilter, ErrorsNameTheProblem) {
  const Table table({"a"}, {int64s({5, 6, 7})});
  try {
    filter(table, int64s({1, 0, 1}));
    FAIL();
  } catch (const DTypeError& error) {
    EXPECT_NE(std::string(error.what()).find("selection must be a bool column, not int64"), std::string::npos);
  }
  try {
    filter(table, bools({true}));
    FAIL();
  } catch (const ShapeError& error) {
    EXPECT_NE(std::string(error.what()).find("a selection of 1 rows for a table of 3 rows"), std::string::npos);
  }
}

}  // namespace
}  // namespace nimbus::analytics
