// Hash joins of every kind: a hand-checked pair of tables with NULL and duplicate keys, the
// documented output order and names, a nested-loop reference on random tables (either side the
// smaller, one or two keys, int32 against int64 keys, empty inputs), long inputs on 1 and 2
// threads, and errors.
#include <gtest/gtest.h>

#include "analytics/ops/join.h"
#include "analytics/ops/take.h"
#include "ops_test_tables.h"

namespace nimbus::analytics {
namespace {

using namespace test;
using Texts = std::vector<std::string>;
using Rows = std::vector<int64_t>;
constexpr int64_t N = kNullRow;

Table left_table() {
  return Table({"id", "lv"}, {int64s({1, 2, 2, std::nullopt, 4}), strings({"a", "b", "c", "d", "e"})});
}
Table right_table() {
  return Table({"id", "rv"}, {int64s({2, 2, 3, std::nullopt, 1}), strings({"x", "y", "z", "w", "v"})});
}

TEST(OpsJoin, EveryKindOnDuplicateAndNullKeys) {
  const Table l = left_table(), r = right_table();
  const auto rows = [&](JoinKind kind) { return join_rows(l, r, {"id"}, {"id"}, kind); };
  EXPECT_EQ(rows(JoinKind::inner).left, (Rows{0, 1, 1, 2, 2}));
  EXPECT_EQ(rows(JoinKind::inner).right, (Rows{4, 0, 1, 0, 1}));
  EXPECT_EQ(rows(JoinKind::left).left, (Rows{0, 1, 1, 2, 2, 3, 4}));
  EXPECT_EQ(rows(JoinKind::left).right, (Rows{4, 0, 1, 0, 1, N, N}));
  // Right rows without a match (key 3, and the NULL key, which matches nothing) come last.
  EXPECT_EQ(rows(JoinKind::right).left, (Rows{0, 1, 1, 2, 2, N, N}));
  EXPECT_EQ(rows(JoinKind::right).right, (Rows{4, 0, 1, 0, 1, 2, 3}));
  EXPECT_EQ(rows(JoinKind::full).left, (Rows{0, 1, 1, 2, 2, 3, 4, N, N}));
  EXPECT_EQ(rows(JoinKind::full).right, (Rows{4, 0, 1, 0, 1, N, N, 2, 3}));
  EXPECT_EQ(rows(JoinKind::semi).left, (Rows{0, 1, 2}));
  EXPECT_EQ(rows(JoinKind::anti).left, (Rows{3, 4}));  // a NULL key has no match, so anti keeps it
}

TEST(OpsJoin, OutputColumnsAreLeftThenRightWithSuffixedClashes) {
  const Table out = join(left_table(), right_table(), {"id"}, {"id"}, JoinKind::full);
  EXPECT_EQ(out.names(), (std::vector<std::string>{"id", "lv", "id_right", "rv"}));
  EXPECT_EQ(texts(out.column("lv")), (Texts{"a", "b", "b", "c", "c", "d", "e", "null", "null"}));
  EXPECT_EQ(texts(out.column("id_right")), (Texts{"1", "2", "2", "2", "2", "null", "null", "3", "null"}));
  EXPECT_EQ(texts(out.column("rv")), (Texts{"v", "x", "y", "x", "y", "null", "null", "z", "w"}));
  const Table semi = join(left_table(), right_table(), {"id"}, {"id"}, JoinKind::semi);
  EXPECT_EQ(semi.names(), (std::vector<std::string>{"id", "lv"}));
  EXPECT_EQ(texts(semi.column("lv")), (Texts{"a", "b", "c"}));
  // "id_right" already taken on the right: the suffix repeats until the name is free.
  const Table r2({"id", "id_right"}, {int64s({1}), int64s({9})});
  const Table out2 = join(left_table(), r2, {"id"}, {"id"}, JoinKind::inner, {.suffix = "_r"});
  EXPECT_EQ(out2.names(), (std::vector<std::string>{"id", "lv", "id_r", "id_right"}));
}

TEST(OpsJoin, SeveralKeysStringsFloatsAndWidenedIntegers) {
  const Table l({"a", "b", "f"}, {strings({"x", "x", "y", std::nullopt}), int32s({1, 2, 1, 1}),
                                  float64s({0.0, std::nan(""), 2, 3})});
  const Table r({"a", "b", "f"}, {strings({"x", "y", "x", "x"}), int64s({2, 1, 1, 9}),
                                  float32s({std::nanf(""), -0.0f, 3, 2})});
  const JoinRows two = join_rows(l, r, {"a", "b"}, {"a", "b"}, JoinKind::inner);
  EXPECT_EQ(two.left, (Rows{0, 1, 2}));
  EXPECT_EQ(two.right, (Rows{2, 0, 1}));
  // float64 against float32: -0.0 matches 0.0, NaN matches NaN.
  const JoinRows floats = join_rows(l, r, {"f"}, {"f"}, JoinKind::inner);
  EXPECT_EQ(floats.left, (Rows{0, 1, 2, 3}));
  EXPECT_EQ(floats.right, (Rows{1, 0, 3, 2}));
}

TEST(OpsJoin, EmptySides) {
  const Table l = left_table(), r = right_table();
  const Table empty = r.slice(0, 0);
  EXPECT_EQ(join(l, empty, {"id"}, {"id"}, JoinKind::inner).num_rows(), 0);
  EXPECT_EQ(texts(join(l, empty, {"id"}, {"id"}, JoinKind::left).column("rv")), (Texts(5, "null")));
  EXPECT_EQ(join(l, empty, {"id"}, {"id"}, JoinKind::anti).num_rows(), 5);
  EXPECT_EQ(join(empty, l, {"id"}, {"id"}, JoinKind::right).num_rows(), 5);
  EXPECT_EQ(join(empty, empty, {"id"}, {"id"}, JoinKind::full).num_rows(), 0);
}

template <typename Call>
std::string error_of(const Call& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(OpsJoin, ErrorsNameWhatWasWrong) {
  const Table l = left_table(), r = right_table();
  EXPECT_NE(error_of([&] { join(l, r, {"nope"}, {"id"}, JoinKind::inner); })
                .find("join: no left key column 'nope'; the columns are: id, lv"),
            std::string::npos);
  EXPECT_NE(error_of([&] { join(l, r, {"id"}, {"rv2"}, JoinKind::inner); }).find("no right key column 'rv2'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { join(l, r, {"id"}, {"rv"}, JoinKind::inner); })
                .find("key column 'id' is int64 on the left but 'rv' is string on the right"),
            std::string::npos);
  EXPECT_THROW(join(l, r, {"id"}, {"rv"}, JoinKind::left), DTypeError);
  EXPECT_NE(error_of([&] { join(l, r, {"id", "lv"}, {"id"}, JoinKind::inner); })
                .find("2 left key columns but 1 right key columns"),
            std::string::npos);
  EXPECT_NE(error_of([&] { join(l, r, {}, {}, JoinKind::inner); }).find("no key columns"), std::string::npos);
}

// The reference: nested loops over text keys (a NULL in any key column never matches), emitting
// the order join.h documents.
JoinRows reference_join(const Table& l, const Table& r, const std::vector<std::string>& lk,
                        const std::vector<std::string>& rk, JoinKind kind) {
  const auto key = [](const Table& t, const std::vector<std::string>& names, int64_t row) -> std::optional<std::string> {
    std::string text;
    for (const auto& name : names) {
      const Cell c = cell(t.column(name), row);
      if (c.null) return std::nullopt;
      text.append(key_text(c)).append("/");
    }
    return text;
  };
  JoinRows out;
  std::vector<bool> right_matched(static_cast<size_t>(r.num_rows()), false);
  for (int64_t i = 0; i < l.num_rows(); ++i) {
    const auto a = key(l, lk, i);
    bool matched = false;
    for (int64_t j = 0; j < r.num_rows(); ++j) {
      const auto b = key(r, rk, j);
      if (!a || !b || *a != *b) continue;
      matched = true;
      right_matched[static_cast<size_t>(j)] = true;
      if (kind != JoinKind::semi && kind != JoinKind::anti) {
        out.left.push_back(i);
        out.right.push_back(j);
      }
    }
    if ((kind == JoinKind::semi && matched) || (kind == JoinKind::anti && !matched)) out.left.push_back(i);
    if (!matched && (kind == JoinKind::left || kind == JoinKind::full)) {
      out.left.push_back(i);
      out.right.push_back(N);
    }
  }
  if (kind == JoinKind::right || kind == JoinKind::full) {
    for (int64_t j = 0; j < r.num_rows(); ++j) {
      if (!right_matched[static_cast<size_t>(j)]) {
        out.left.push_back(N);
        out.right.push_back(j);
      }
    }
  }
  return out;
}

TEST(OpsJoin, RandomTablesMatchANestedLoopReference) {
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> key_pairs{
      {{"k_int"}, {"k_int"}}, {{"k_str", "k_small"}, {"k_str", "k_small"}}, {{"k_small"}, {"k_int"}}, {{"v_bool"}, {"v_bool"}}};
  const std::vector<std::pair<int64_t, int64_t>> sizes{{0, 7}, {7, 0}, {1, 1}, {40, 90}, {90, 40}, {200, 200}};
  for (const auto& [left_rows, right_rows] : sizes) {
    const Table l = offset_copy(random_table(left_rows, static_cast<uint32_t>(left_rows) + 3, 10));
    const Table r = random_table(right_rows, static_cast<uint32_t>(right_rows) + 99, 10);
    for (const auto& [lk, rk] : key_pairs) {
      for (JoinKind kind : {JoinKind::inner, JoinKind::left, JoinKind::right, JoinKind::full, JoinKind::semi,
                            JoinKind::anti}) {
        const JoinRows expected = reference_join(l, r, lk, rk, kind);
        const JoinRows got = join_rows(l, r, lk, rk, kind, {.threads = 2});
        EXPECT_EQ(got.left, expected.left) << join_kind_name(kind) << " " << left_rows << "x" << right_rows << " " << lk[0];
        EXPECT_EQ(got.right, expected.right) << join_kind_name(kind) << " " << left_rows << "x" << right_rows << " " << lk[0];
      }
    }
  }
}

TEST(OpsJoin, LongInputsAreIdenticalOnOneAndTwoThreadsAndEitherBuildSide) {
  const Table big = offset_copy(random_table(100000, 8, 60000));
  const Table small = random_table(40000, 9, 60000);
  for (JoinKind kind : {JoinKind::inner, JoinKind::left, JoinKind::full, JoinKind::anti}) {
    const Table one = join(big, small, {"k_int", "k_str"}, {"k_int", "k_str"}, kind, {.threads = 1});
    const Table two = join(big, small, {"k_int", "k_str"}, {"k_int", "k_str"}, kind, {.threads = 2});
    EXPECT_TRUE(one.equals(two)) << join_kind_name(kind);
  }
  // Building on the left (the smaller side) or on the right gives the same rows in the same order:
  // compare small x big with the reference order by swapping sides of an inner join.
  const JoinRows small_big = join_rows(small, big, {"k_int"}, {"k_int"}, JoinKind::inner);
  const JoinRows big_small = join_rows(big, small, {"k_int"}, {"k_int"}, JoinKind::inner);
  ASSERT_EQ(small_big.left.size(), big_small.left.size());
  std::vector<std::pair<int64_t, int64_t>> a, b;
  for (size_t i = 0; i < small_big.left.size(); ++i) a.emplace_back(small_big.left[i], small_big.right[i]);
  for (size_t i = 0; i < big_small.left.size(); ++i) b.emplace_back(big_small.right[i], big_small.left[i]);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));  // (left row, right row) order
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace nimbus::analytics
