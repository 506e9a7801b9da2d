// The integer key path of joins (Note [Integer key joins], Note [Unique build keys]): on random
// tables it gives exactly what the generic path gives for the same keys as float64 (which takes
// the generic path), for every join kind, either build side, unique and repeated keys, NULL keys,
// int32 against int64, sizes that split the table into several partitions, a partition that fills
// up, and 1 to 3 threads; the output columns equal take()'s.
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <random>

#include "analytics/column_builder.h"
#include "analytics/ops/hash_mix.h"
#include "analytics/ops/join.h"
#include "analytics/ops/take.h"
#include "ops_test_tables.h"

namespace nimbus::analytics {
namespace {

using namespace test;

constexpr JoinKind kKinds[] = {JoinKind::inner, JoinKind::left, JoinKind::right,
                               JoinKind::full,  JoinKind::semi, JoinKind::anti};

// Keys drawn from [0, distinct), `null_percent` of them NULL; with `unique`, a shuffled run of
// distinct keys instead (NULLs aside), as a primary key is.
Column random_keys(int64_t rows, int64_t distinct, int null_percent, bool unique, DataType type, uint32_t seed) {
  std::mt19937_64 random(seed);
  std::vector<int64_t> keys(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    keys[static_cast<size_t>(i)] = unique ? i * 7 - rows : static_cast<int64_t>(random() % static_cast<uint64_t>(distinct));
  }
  if (unique) std::shuffle(keys.begin(), keys.end(), random);
  ColumnBuilder builder(type);
  for (int64_t key : keys) {
    if (static_cast<int>(random() % 100) < null_percent) builder.append_null();
    else if (type == DataType::int32) builder.append_int32(static_cast<int32_t>(key));
    else builder.append_int64(key);
  }
  return builder.finish();
}

// Strings of 0 to 40 characters (some NULL), so that both the short and the long copies run.
Column random_strings(int64_t rows, uint32_t seed) {
  std::mt19937 random(seed);
  ColumnBuilder builder(DataType::string);
  for (int64_t i = 0; i < rows; ++i) {
    if (random() % 10 == 0) {
      builder.append_null();
      continue;
    }
    std::string text(random() % 41, 'a');
    for (char& c : text) c = static_cast<char>('a' + random() % 26);
    builder.append_string(text);
  }
  return builder.finish();
}

Column as_float64(const Column& keys) {
  ColumnBuilder builder(DataType::float64);
  for (int64_t i = 0; i < keys.length(); ++i) {
    if (keys.is_null(i)) builder.append_null();
    else if (keys.type() == DataType::int32) builder.append_float64(keys.value<int32_t>(i));
    else builder.append_float64(static_cast<double>(keys.value<int64_t>(i)));
  }
  return builder.finish();
}

// A side of a join: key "k" (integer), "kf" (the same keys as float64), and payload columns.
Table side(const Column& keys, uint32_t seed) {
  const int64_t rows = keys.length();
  const Table payload = random_table(rows, seed, 50);
  return offset_copy(Table({"k", "kf", "s", "v_int", "v_float", "v_str", "v_date", "v_bool"},
                           {keys, as_float64(keys), random_strings(rows, seed + 1), payload.column("v_int"),
                            payload.column("v_float"), payload.column("v_str"), payload.column("v_date"),
                            payload.column("v_bool")}));
}

// The join through the integer path equals the generic one, row pairs and output columns.
void expect_like_generic(const Table& l, const Table& r, const std::string& what) {
  for (JoinKind kind : kKinds) {
    const JoinRows generic = join_rows(l, r, {"kf"}, {"kf"}, kind, {.threads = 2});
    for (int threads : {1, 2, 3}) {
      const JoinRows fast = join_rows(l, r, {"k"}, {"k"}, kind, {.threads = threads});
      EXPECT_EQ(fast.left, generic.left) << what << " " << join_kind_name(kind) << " threads " << threads;
      EXPECT_EQ(fast.right, generic.right) << what << " " << join_kind_name(kind) << " threads " << threads;
    }
    // The output gather equals take() of each side.
    const Table out = join(l, r, {"k"}, {"k"}, kind, {.threads = 2});
    const Table left_part = take(l, generic.left);
    for (const std::string& name : l.names()) {
      EXPECT_TRUE(out.column(name).equals(left_part.column(name))) << what << " " << join_kind_name(kind) << " " << name;
    }
    if (kind == JoinKind::semi || kind == JoinKind::anti) continue;
    const Table right_part = take(r, generic.right);
    for (const std::string& name : r.names()) {
      EXPECT_TRUE(out.column(name + "_right").equals(right_part.column(name)))
          << what << " " << join_kind_name(kind) << " " << name;
    }
  }
}

TEST(OpsJoinIntKeys, UniqueRightKeysMatchTheGenericPath) {
  // The right side's keys are unique (with NULLs, which never match): Note [Unique build keys].
  for (const auto& [left_rows, right_rows] : std::vector<std::pair<int64_t, int64_t>>{{300, 200}, {20000, 15000}}) {
    const Table r = side(random_keys(right_rows, 0, 5, true, DataType::int64, 1), 2);
    const Table l = side(random_keys(left_rows, 0, 5, true, DataType::int64, 1), 3);  // the same key set, reordered
    expect_like_generic(l, r, "unique " + std::to_string(left_rows) + "x" + std::to_string(right_rows));
  }
}

TEST(OpsJoinIntKeys, RepeatedKeysEitherBuildSideMatchTheGenericPath) {
  const std::vector<std::pair<int64_t, int64_t>> sizes{{0, 9}, {9, 0}, {0, 0}, {1, 1}, {500, 80}, {80, 500}, {3000, 3000}};
  for (const auto& [left_rows, right_rows] : sizes) {
    const Table l = side(random_keys(left_rows, 100, 10, false, DataType::int64, 4), 5);
    const Table r = side(random_keys(right_rows, 100, 10, false, DataType::int64, 6), 7);
    expect_like_generic(l, r, "repeated " + std::to_string(left_rows) + "x" + std::to_string(right_rows));
  }
  // Unique keys on the left, the smaller side, so the left is built.
  const Table l = side(random_keys(400, 0, 5, true, DataType::int64, 8), 9);
  const Table r = side(random_keys(900, 1000, 5, false, DataType::int64, 10), 11);
  expect_like_generic(l, r, "unique left");
}

TEST(OpsJoinIntKeys, Int32JoinsInt64) {
  const Table l = side(random_keys(700, 300, 10, false, DataType::int32, 12), 13);
  const Table r = side(random_keys(500, 0, 10, true, DataType::int64, 14), 15);
  expect_like_generic(l, r, "int32 x int64");
  expect_like_generic(r, l, "int64 x int32");
  const Table r32 = side(random_keys(300, 0, 0, true, DataType::int32, 16), 17);
  expect_like_generic(l, r32, "int32 x int32");
}

TEST(OpsJoinIntKeys, LargeTablesSpanSeveralPartitions) {
  // Over 65536 slots: the table is split into partitions, each built by one task.
  const Table r = side(random_keys(120000, 0, 2, true, DataType::int64, 18), 19);
  const Table l = side(random_keys(150000, 240000, 2, false, DataType::int64, 20), 21);
  for (JoinKind kind : {JoinKind::inner, JoinKind::left, JoinKind::full, JoinKind::anti}) {
    const JoinRows generic = join_rows(l, r, {"kf"}, {"kf"}, kind, {.threads = 2});
    for (int threads : {1, 2, 3}) {
      const JoinRows fast = join_rows(l, r, {"k"}, {"k"}, kind, {.threads = threads});
      EXPECT_EQ(fast.left, generic.left) << join_kind_name(kind) << " threads " << threads;
      EXPECT_EQ(fast.right, generic.right) << join_kind_name(kind) << " threads " << threads;
    }
  }
  // Repeated keys on a large build side.
  const Table dup = side(random_keys(100000, 30000, 2, false, DataType::int64, 22), 23);
  const JoinRows generic = join_rows(l, dup, {"kf"}, {"kf"}, JoinKind::full, {.threads = 2});
  const JoinRows fast = join_rows(l, dup, {"k"}, {"k"}, JoinKind::full, {.threads = 3});
  EXPECT_EQ(fast.left, generic.left);
  EXPECT_EQ(fast.right, generic.right);
}


TEST(OpsJoinIntKeys, AFullPartitionFallsBackToTheGenericPath) {
  // 70000 build keys make a table of 2^17 slots in two partitions, one per top hash bit. Keys
  // whose hashes all have a top bit of 0 crowd into one partition, which fills up: the join
  // gives up the table and takes the generic path, with the same answer.
  std::vector<std::optional<int64_t>> crowded;
  for (int64_t key = 0; crowded.size() < 70000; ++key) {
    if ((detail::mix64(static_cast<uint64_t>(key)) >> 63) == 0) crowded.push_back(key);  // join_int_keys.cpp's hash
  }
  std::vector<std::optional<int64_t>> probes;
  for (int64_t i = 0; i < 80000; ++i) probes.push_back(i % 7 == 0 ? std::nullopt : std::optional<int64_t>(i * 3 % 150000));
  const Column build = int64s(crowded), probe = int64s(probes);
  const Table r({"k", "kf"}, {build, as_float64(build)});
  const Table l({"k", "kf"}, {probe, as_float64(probe)});
  for (JoinKind kind : {JoinKind::inner, JoinKind::full}) {
    const JoinRows generic = join_rows(l, r, {"kf"}, {"kf"}, kind, {.threads = 2});
    const JoinRows fast = join_rows(l, r, {"k"}, {"k"}, kind, {.threads = 2});
    EXPECT_EQ(fast.left, generic.left) << join_kind_name(kind);
    EXPECT_EQ(fast.right, generic.right) << join_kind_name(kind);
  }
}

TEST(OpsJoinIntKeys, ExtremeKeyValues) {
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  const Table l({"k"}, {int64s({lo, hi, 0, -1, std::nullopt, hi, 0})});
  const Table r({"k"}, {int64s({-1, hi, std::nullopt, lo, 7})});
  const JoinRows rows = join_rows(l, r, {"k"}, {"k"}, JoinKind::full);
  EXPECT_EQ(rows.left, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, kNullRow, kNullRow}));
  EXPECT_EQ(rows.right, (std::vector<int64_t>{3, 1, kNullRow, 0, kNullRow, 1, kNullRow, 2, 4}));
}

}  // namespace
}  // namespace nimbus::analytics
