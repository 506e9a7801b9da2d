// sort, top_k and distinct: hand-checked orders (NULLS FIRST/LAST, NaN, -0.0, bytewise strings),
// and a brute-force stable sort on random tables, sliced, long and with 1 or 2 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "analytics/ops/distinct.h"
#include "analytics/ops/sort.h"
#include "ops_test_tables.h"

namespace nimbus::analytics {
namespace {

using namespace test;

TEST(OpsSort, DefaultIsAscendingNullsLast) {
  const Table table({"x"}, {int64s({3, std::nullopt, -1, 2, std::nullopt})});
  EXPECT_EQ(sort_indices(table, {{"x"}}), (std::vector<int64_t>{2, 3, 0, 1, 4}));
  EXPECT_EQ(sort_indices(table, {{.column = "x", .descending = true}}), (std::vector<int64_t>{0, 3, 2, 1, 4}));
  EXPECT_EQ(sort_indices(table, {{.column = "x", .nulls = NullOrder::first}}), (std::vector<int64_t>{1, 4, 2, 3, 0}));
  EXPECT_EQ(sort_indices(table, {{.column = "x", .descending = true, .nulls = NullOrder::first}}),
            (std::vector<int64_t>{1, 4, 0, 3, 2}));
}

TEST(OpsSort, FloatsPutNanAboveInfinityAndTieSignedZeros) {
  const double inf = std::numeric_limits<double>::infinity();
  const Table table({"f"}, {float64s({std::nan(""), 1.0, -inf, 0.0, inf, -0.0, std::nullopt, -2.5})});
  // -0.0 (row 5) and 0.0 (row 3) tie, so they keep input order: 3 before 5.
  EXPECT_EQ(sort_indices(table, {{"f"}}), (std::vector<int64_t>{2, 7, 3, 5, 1, 4, 0, 6}));
  EXPECT_EQ(sort_indices(table, {{.column = "f", .descending = true}}), (std::vector<int64_t>{0, 4, 1, 3, 5, 7, 2, 6}));
  const Table f32({"f"}, {float32s({2.f, std::nanf(""), -1.f})});
  EXPECT_EQ(sort_indices(f32, {{"f"}}), (std::vector<int64_t>{2, 0, 1}));
}

TEST(OpsSort, StringsCompareBytewise) {
  const Table table({"s"}, {strings({"b", "B", "", "\xc3\xa9", "ab", "a", std::nullopt})});
  const Table sorted = sort(table, {{"s"}});
  EXPECT_EQ(texts(sorted.column("s")), (std::vector<std::string>{"", "B", "a", "ab", "b", "\xc3\xa9", "null"}));
}

TEST(OpsSort, SeveralKeysAreStable) {
  const Table table({"g", "v", "id"}, {strings({"x", "y", "x", "y", "x"}), int64s({2, 1, 1, 1, 2}),
                                      int64s({0, 1, 2, 3, 4})});
  const Table sorted = sort(table, {{"g"}, {.column = "v", .descending = true}});
  EXPECT_EQ(texts(sorted.column("id")), (std::vector<std::string>{"0", "4", "2", "1", "3"}));
  EXPECT_EQ(texts(sort(table, {}).column("id")), (std::vector<std::string>{"0", "1", "2", "3", "4"}));
}

TEST(OpsSort, BoolsDatesAndExtremeIntegers) {
  const Table table({"b", "d", "i"},
                    {bools({true, false, std::nullopt, false}), dates({5, -3, 0, std::nullopt}),
                     int64s({std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), 0, -1})});
  EXPECT_EQ(sort_indices(table, {{"b"}}), (std::vector<int64_t>{1, 3, 0, 2}));
  EXPECT_EQ(sort_indices(table, {{"d"}}), (std::vector<int64_t>{1, 2, 0, 3}));
  EXPECT_EQ(sort_indices(table, {{"i"}}), (std::vector<int64_t>{1, 3, 2, 0}));
  EXPECT_EQ(sort_indices(table, {{.column = "i", .descending = true}}), (std::vector<int64_t>{0, 2, 3, 1}));
}

TEST(OpsSort, UnknownColumnIsAnError) {
  const Table table({"a", "b"}, {int64s({1}), int64s({2})});
  try {
    sort(table, {{"c"}});
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("sort: no sort key column 'c'; the columns are: a, b"), std::string::npos)
        << error.what();
  }
}

// The reference: std::stable_sort with a comparator over naive cells.
std::vector<int64_t> reference_sort(const Table& table, const std::vector<SortKey>& keys) {
  std::vector<int64_t> rows(table.num_rows());
  std::iota(rows.begin(), rows.end(), 0);
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) {
    for (const SortKey& key : keys) {
      const Cell x = cell(table.column(key.column), a), y = cell(table.column(key.column), b);
      if (x.null != y.null) return (x.null == (key.nulls == NullOrder::first));
      if (x.null) continue;
      const int c = compare_values(x, y);
      if (c != 0) return key.descending ? c > 0 : c < 0;
    }
    return false;
  });
  return rows;
}

TEST(OpsSort, RandomTablesMatchAStableReferenceSort) {
  const std::vector<std::vector<SortKey>> key_sets = {
      {{"k_int"}},
      {{.column = "v_float", .descending = true}},
      {{.column = "k_str", .nulls = NullOrder::first}, {.column = "v_int", .descending = true}},
      {{"k_small"}, {"v_str"}, {.column = "v_date", .descending = true, .nulls = NullOrder::first}},
      {{"v_bool"}, {"k_int"}, {"v_float"}},
  };
  for (int64_t rows : {0, 1, 2, 37, 1000}) {
    const Table table = random_table(rows, static_cast<uint32_t>(rows) + 1, 15);
    for (const auto& keys : key_sets) {
      const std::vector<int64_t> expected = reference_sort(table, keys);
      EXPECT_EQ(sort_indices(table, keys), expected) << rows << " rows";
      EXPECT_EQ(sort_indices(offset_copy(table), keys), expected) << rows << " rows, sliced";
    }
  }
}

TEST(OpsSort, LongInputsSortTheSameOnOneAndTwoThreads) {
  const Table table = offset_copy(random_table(150000, 5, 100000));
  const std::vector<SortKey> keys{{"k_str"}, {.column = "v_float", .descending = true}, {"k_int"}};
  const std::vector<int64_t> one = sort_indices(table, keys, {.threads = 1});
  EXPECT_EQ(sort_indices(table, keys, {.threads = 2}), one);
  EXPECT_EQ(one, reference_sort(table, keys));
  EXPECT_TRUE(sort(table, keys, {.threads = 1}).equals(sort(table, keys, {.threads = 2})));
}

TEST(OpsTopK, IsThePrefixOfTheStableSort) {
  const Table table = random_table(500, 9, 30);
  const std::vector<SortKey> keys{{.column = "k_int", .descending = true}, {"v_str"}};
  const std::vector<int64_t> sorted = sort_indices(table, keys);
  for (int64_t k : {0, 1, 7, 499, 500, 600}) {
    const std::vector<int64_t> top = top_k_indices(table, keys, k);
    EXPECT_EQ(top, std::vector<int64_t>(sorted.begin(), sorted.begin() + std::min<int64_t>(k, 500))) << k;
  }
  const Table small({"x"}, {int64s({4, std::nullopt, 1, 9})});
  EXPECT_EQ(texts(top_k(small, {{"x"}}, 2).column("x")), (std::vector<std::string>{"1", "4"}));
  EXPECT_THROW(top_k(small, {{"x"}}, -1), ShapeError);
}

TEST(OpsDistinct, KeepsFirstOccurrencesInOrder) {
  const Table table({"a", "b", "id"}, {int64s({1, 2, 1, std::nullopt, std::nullopt, 2}),
                                      strings({"x", "y", "x", "z", "z", "q"}), int64s({0, 1, 2, 3, 4, 5})});
  const Table all = distinct(table.select({"a", "b"}));
  EXPECT_EQ(texts(all.column("a")), (std::vector<std::string>{"1", "2", "null", "2"}));
  EXPECT_EQ(texts(all.column("b")), (std::vector<std::string>{"x", "y", "z", "q"}));
  const Table on_a = distinct(table, {"a"});  // DISTINCT ON (a): whole first rows
  EXPECT_EQ(texts(on_a.column("id")), (std::vector<std::string>{"0", "1", "3"}));
  const Table floats({"f"}, {float64s({0.0, -0.0, std::nan(""), std::nan(""), 1})});
  EXPECT_EQ(texts(distinct(floats).column("f")), (std::vector<std::string>{"0", "nan", "1"}));
  EXPECT_EQ(distinct(table.slice(0, 0)).num_rows(), 0);
}

TEST(OpsDistinct, RandomTablesMatchAMapReference) {
  for (int64_t rows : {0, 1, 100, 40000}) {
    const Table table = offset_copy(random_table(rows, 3, 8));
    const std::vector<std::string> keys{"k_int", "k_str", "v_bool"};
    std::map<std::string, int64_t> seen;
    std::vector<int64_t> expected;
    for (int64_t r = 0; r < rows; ++r) {
      std::string key;
      for (const auto& name : keys) key.append(key_text(cell(table.column(name), r))).append("/");
      if (seen.emplace(key, r).second) expected.push_back(r);
    }
    EXPECT_EQ(distinct_rows(table, keys, {.threads = 1}), expected) << rows;
    EXPECT_EQ(distinct_rows(table, keys, {.threads = 2}), expected) << rows;
  }
}

}  // namespace
}  // namespace nimbus::analytics
