// The host side of Note [Joins on a device] (analytics/ops/join_device.h): which keys a device
// matches itself (one int32, int64, date32 or timestamp column a side), and the CPU joins on date
// and timestamp keys that the device's joins are compared with (tests/gpu/analytics_join_parity_test.cpp).
#include <gtest/gtest.h>

#include "analytics/ops/join.h"
#include "analytics/ops/join_device.h"
#include "analytics/ops/take.h"
#include "ops_test_tables.h"

namespace nimbus::analytics {
namespace {

using namespace test;
using Rows = std::vector<int64_t>;
constexpr int64_t N = kNullRow;

Column timestamps(const std::vector<std::optional<int64_t>>& micros) {
  ColumnBuilder builder(DataType::timestamp);
  for (const auto& v : micros) v ? builder.append_timestamp(*v) : builder.append_null();
  return builder.finish();
}

Column of_type(DataType type) {
  switch (type) {
    case DataType::boolean: return bools({true});
    case DataType::int32: return int32s({1});
    case DataType::int64: return int64s({1});
    case DataType::float32: return float32s({1});
    case DataType::float64: return float64s({1});
    case DataType::string: return strings({"1"});
    case DataType::date32: return dates({1});
    case DataType::timestamp: return timestamps({1});
  }
  return Column();
}

TEST(OpsJoinDevice, OneIntegerKeyASideIsMatchedOnTheDevice) {
  const std::vector<DataType> integers = {DataType::int32, DataType::int64, DataType::date32, DataType::timestamp};
  for (const DataType type : integers) {
    EXPECT_TRUE(detail::keys_match_on_device({of_type(type)}, {of_type(type)})) << data_type_name(type);
  }
  EXPECT_TRUE(detail::keys_match_on_device({of_type(DataType::int32)}, {of_type(DataType::int64)}));
  EXPECT_TRUE(detail::keys_match_on_device({of_type(DataType::int64)}, {of_type(DataType::int32)}));
  // With nulls and as slices at an offset too: the device reads the validity and the offset.
  const Column with_nulls = int64s({1, std::nullopt, 3}).slice(1, 2);
  EXPECT_TRUE(detail::keys_match_on_device({with_nulls}, {int32s({std::nullopt})}));
}

TEST(OpsJoinDevice, OtherKeysAreMatchedOnTheHost) {
  for (const DataType type : {DataType::boolean, DataType::float32, DataType::float64, DataType::string}) {
    EXPECT_FALSE(detail::keys_match_on_device({of_type(type)}, {of_type(type)})) << data_type_name(type);
  }
  EXPECT_FALSE(detail::keys_match_on_device({of_type(DataType::float64)}, {of_type(DataType::float32)}));
  // Several keys, even all integers.
  EXPECT_FALSE(detail::keys_match_on_device({of_type(DataType::int64), of_type(DataType::int64)},
                                            {of_type(DataType::int64), of_type(DataType::int64)}));
  EXPECT_FALSE(detail::keys_match_on_device({}, {}));
  // Dates and timestamps only with their own type: never compared with a number by stored value.
  EXPECT_FALSE(detail::keys_match_on_device({of_type(DataType::date32)}, {of_type(DataType::timestamp)}));
  EXPECT_FALSE(detail::keys_match_on_device({of_type(DataType::date32)}, {of_type(DataType::int32)}));
  EXPECT_FALSE(detail::keys_match_on_device({of_type(DataType::int64)}, {of_type(DataType::timestamp)}));
}

// Date and timestamp keys take the CPU's generic path: the same pairs, in the same order, as their
// values joined as int64.
TEST(OpsJoinDevice, DateAndTimestampKeysJoinAsTheirIntegers) {
  const std::vector<std::optional<int64_t>> left = {5, 7, std::nullopt, 5, 9, -3};
  const std::vector<std::optional<int64_t>> right = {7, 5, 5, std::nullopt, -3, 11};
  const auto narrow = [](const std::vector<std::optional<int64_t>>& v) {
    std::vector<std::optional<int32_t>> out;
    for (const auto& x : v) out.push_back(x ? std::optional<int32_t>(static_cast<int32_t>(*x)) : std::nullopt);
    return out;
  };
  const Table li({"k"}, {int64s(left)}), ri({"k"}, {int64s(right)});
  const Table ld({"k"}, {dates(narrow(left))}), rd({"k"}, {dates(narrow(right))});
  const Table lt({"k"}, {timestamps(left)}), rt({"k"}, {timestamps(right)});
  for (const JoinKind kind : {JoinKind::inner, JoinKind::left, JoinKind::right, JoinKind::full, JoinKind::semi,
                              JoinKind::anti}) {
    const JoinRows expected = join_rows(li, ri, {"k"}, {"k"}, kind);
    const JoinRows by_date = join_rows(ld, rd, {"k"}, {"k"}, kind);
    const JoinRows by_time = join_rows(lt, rt, {"k"}, {"k"}, kind);
    EXPECT_EQ(by_date.left, expected.left) << join_kind_name(kind);
    EXPECT_EQ(by_date.right, expected.right) << join_kind_name(kind);
    EXPECT_EQ(by_time.left, expected.left) << join_kind_name(kind);
    EXPECT_EQ(by_time.right, expected.right) << join_kind_name(kind);
  }
  const JoinRows full = join_rows(li, ri, {"k"}, {"k"}, JoinKind::full);
  EXPECT_EQ(full.left, (Rows{0, 0, 1, 2, 3, 3, 4, 5, N, N}));
  EXPECT_EQ(full.right, (Rows{1, 2, 0, N, 1, 2, N, 4, 3, 5}));
}

// A date does not join an integer or a timestamp, on any device (checked before the keys are
// matched anywhere).
TEST(OpsJoinDevice, DatesJoinOnlyDates) {
  const Table d({"k"}, {dates({1})}), i({"k"}, {int32s({1})}), t({"k"}, {timestamps({1})});
  EXPECT_THROW(join_rows(d, i, {"k"}, {"k"}, JoinKind::inner), DTypeError);
  EXPECT_THROW(join_rows(d, t, {"k"}, {"k"}, JoinKind::inner), DTypeError);
  EXPECT_THROW(join_rows(t, i, {"k"}, {"k"}, JoinKind::inner), DTypeError);
}

}  // namespace
}  // namespace nimbus::analytics
