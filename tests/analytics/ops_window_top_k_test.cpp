// window_top_k: the same rows and values as window() followed by a filter on
// row_number() <= k (or rank() <= k with ties), on random tables with NULLs and
// ties, for one-word, two-word and missing order keys, with and without
// PARTITION BY, and the same result for 1 and 2 threads.
#include <gtest/gtest.h>

#include "analytics/column_builder.h"
#include "analytics/ops/filter.h"
#include "analytics/ops/window.h"
#include "ops_test_tables.h"

namespace nimbus::analytics {
namespace {

using namespace test;

const std::vector<WindowCall> kRankingCalls = {
    {.function = WindowFunction::row_number, .output = "rn"},
    {.function = WindowFunction::rank, .output = "rank"},
    {.function = WindowFunction::dense_rank, .output = "dense"}};

// window() over every row, then the rows whose `column` is at most `limit`.
Table filtered_window(const Table &table, const WindowSpec &spec,
                      const std::string &column, int64_t limit) {
  const Table all = window(table, spec, kRankingCalls, {.threads = 1});
  ColumnBuilder keep(DataType::boolean);
  for (int64_t row = 0; row < all.num_rows(); ++row)
    keep.append_bool(all.column(column).value<int64_t>(row) <= limit);
  return filter(all, keep.finish());
}

TEST(OpsWindowTopK, MatchesTheFilteredWindowOnRandomTables) {
  const std::vector<std::vector<SortKey>> orders = {
      {{.column = "v_float", .descending = true}},
      {{.column = "v_int", .nulls = NullOrder::first}},
      {{.column = "v_int"}, {.column = "v_date", .descending = true}},
      {{.column = "k_small"}},
      {}};
  const std::vector<std::vector<std::string>> partitions = {
      {"k_int"}, {"k_str", "k_small"}, {}};
  for (const auto &[rows, distinct] :
       std::vector<std::pair<int64_t, int>>{{300, 7}, {70000, 3000}}) {
    const Table table = random_table(rows, static_cast<uint32_t>(rows), distinct);
    for (const std::vector<std::string> &partition : partitions) {
      for (const std::vector<SortKey> &order : orders) {
        const WindowSpec spec{.partition_by = partition, .order_by = order};
        for (const int64_t limit : {0, 1, 2, 5, 70}) {
          for (const bool with_ties : {false, true}) {
            SCOPED_TRACE(std::to_string(rows) + " rows, " +
                         std::to_string(partition.size()) + " partition keys, " +
                         std::to_string(order.size()) + " order keys, limit " +
                         std::to_string(limit) + (with_ties ? " with ties" : ""));
            const Table expected =
                filtered_window(table, spec, with_ties ? "rank" : "rn", limit);
            for (const int threads : {1, 2}) {
              const Table top = window_top_k(table, spec, kRankingCalls, limit,
                                             with_ties, {.threads = threads});
              ASSERT_TRUE(top.equals(expected))
                  << threads << " threads: " << top.num_rows() << " rows, "
                  << expected.num_rows() << " expected";
            }
          }
        }
      }
    }
  }
}

TEST(OpsWindowTopK, KeepsTheEarlierOfTiedRows) {
  // Partition a: o = 1 at rows 1 and 3, 0 at row 4; the first two are rows 4, 1.
  const Table t({"g", "o"}, {strings({"a", "a", "b", "a", "a", "b"}),
                             int64s({2, 1, 5, 1, 0, 5})});
  const WindowSpec spec{.partition_by = {"g"}, .order_by = {{"o"}}};
  const Table top = window_top_k(
      t, spec, {{.function = WindowFunction::row_number, .output = "rn"}}, 2,
      false);
  EXPECT_EQ(texts(top.column("o")), (std::vector<std::string>{"1", "5", "0", "5"}));
  EXPECT_EQ(texts(top.column("rn")), (std::vector<std::string>{"2", "1", "1", "2"}));
  const Table tied = window_top_k(
      t, spec, {{.function = WindowFunction::rank, .output = "r"}}, 2, true);
  EXPECT_EQ(texts(tied.column("r")),
            (std::vector<std::string>{"2", "1", "2", "1", "1"}));
}

TEST(OpsWindowTopK, RefusesOtherFunctionsAndNegativeLimits) {
  const Table t({"g", "o"}, {int64s({1, 2}), int64s({3, 4})});
  EXPECT_THROW(window_top_k(t, {.order_by = {{"o"}}},
                            {{.function = WindowFunction::ntile, .offset = 2}},
                            1, false),
               ConfigError);
  EXPECT_THROW(window_top_k(t, {.order_by = {{"o"}}},
                            {{.function = WindowFunction::row_number}}, -1,
                            false),
               ConfigError);
}

} // namespace
} // namespace nimbus::analytics
