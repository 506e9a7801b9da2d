// Column layouts (Arrow bitmaps and offsets), builders, slicing and equality.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "analytics/column_builder.h"
#include "analytics/date_time.h"

namespace nimbus::analytics {
namespace {

std::vector<uint8_t> bytes_of(const Buffer& buffer, size_t n) {
  const auto* p = static_cast<const uint8_t*>(buffer.data());
  return std::vector<uint8_t>(p, p + n);
}

TEST(AnalyticsColumn, Int32WithNullsHasAnLsbFirstValidityBitmap) {
  ColumnBuilder builder(DataType::int32);
  // Valid, null, valid x7, null: bits 1,0,1,1,1,1,1,1 | 1,0 -> bytes 0b11111101, 0b00000001.
  builder.append_int32(10);
  builder.append_null();
  for (int i = 0; i < 7; ++i) builder.append_int32(i);
  builder.append_null();
  const Column column = builder.finish();
  EXPECT_EQ(column.type(), DataType::int32);
  EXPECT_EQ(column.length(), 10);
  EXPECT_EQ(column.null_count(), 2);
  ASSERT_TRUE(column.validity().defined());
  EXPECT_EQ(bytes_of(column.validity(), 2), (std::vector<uint8_t>{0b11111101, 0b00000001}));
  EXPECT_EQ(column.value<int32_t>(0), 10);
  EXPECT_EQ(column.value<int32_t>(1), 0);  // the slot under a null is zero
  EXPECT_EQ(column.value<int32_t>(8), 6);
  EXPECT_TRUE(column.is_null(9));
  EXPECT_EQ(column.value_text(1), "null");
  EXPECT_THROW(column.value<int64_t>(0), DTypeError);
  EXPECT_THROW(column.value<int32_t>(10), ShapeError);
}

TEST(AnalyticsColumn, NoNullsMeansNoBitmap) {
  ColumnBuilder builder(DataType::float64);
  builder.append_float64(1.5);
  builder.append_float64(-2);
  const Column column = builder.finish();
  EXPECT_FALSE(column.validity().defined());
  EXPECT_EQ(column.null_count(), 0);
  EXPECT_EQ(column.values<double>()[1], -2);
  // 64-byte alignment, as Arrow recommends (the buffers come from the pool allocator).
  EXPECT_EQ(reinterpret_cast<uintptr_t>(column.data().data()) % 64, 0u);
}

TEST(AnalyticsColumn, BoolsAreBitPacked) {
  ColumnBuilder builder(DataType::boolean);
  const bool values[] = {true, false, true, true, false, false, false, false, true};
  for (bool v : values) builder.append_bool(v);
  builder.append_null();
  const Column column = builder.finish();
  EXPECT_EQ(bytes_of(column.data(), 2), (std::vector<uint8_t>{0b00001101, 0b00000001}));
  EXPECT_EQ(bytes_of(column.validity(), 2), (std::vector<uint8_t>{0xFF, 0b00000001}));
  for (size_t i = 0; i < 9; ++i) EXPECT_EQ(column.bool_value(static_cast<int64_t>(i)), values[i]) << i;
  EXPECT_EQ(column.value_text(0), "true");
  EXPECT_EQ(column.value_text(9), "null");
}

TEST(AnalyticsColumn, StringsAreOffsetsAndCharacters) {
  ColumnBuilder builder(DataType::string);
  builder.append_string("ab");
  builder.append_null();
  builder.append_string("");
  builder.append_string("héllo");
  const Column column = builder.finish();
  ASSERT_EQ(column.offsets().nbytes(), 5 * sizeof(int32_t));
  const auto* offsets = static_cast<const int32_t*>(column.offsets().data());
  EXPECT_EQ(std::vector<int32_t>(offsets, offsets + 5), (std::vector<int32_t>{0, 2, 2, 2, 8}));
  EXPECT_EQ(std::string(column.raw_chars(), 8), "abhéllo");
  EXPECT_EQ(column.string_value(3), "héllo");
  EXPECT_EQ(column.string_value(2), "");
  EXPECT_TRUE(column.is_valid(2));
  EXPECT_TRUE(column.is_null(1));
  EXPECT_THROW(column.values<int32_t>(), DTypeError);
}

TEST(AnalyticsColumn, SlicesShareBuffersAndCountTheirOwnNulls) {
  ColumnBuilder builder(DataType::string);
  for (int i = 0; i < 20; ++i) {
    if (i % 3 == 0) builder.append_null();
    else builder.append_string(std::to_string(i));
  }
  const Column column = builder.finish();
  EXPECT_EQ(column.null_count(), 7);
  const Column slice = column.slice(5, 10);  // rows 5..14: nulls at 6, 9, 12
  EXPECT_EQ(slice.length(), 10);
  EXPECT_EQ(slice.offset(), 5);
  EXPECT_EQ(slice.null_count(), 3);
  EXPECT_EQ(slice.data().data(), column.data().data());
  EXPECT_EQ(slice.offsets().data(), column.offsets().data());
  EXPECT_EQ(slice.string_value(0), "5");
  EXPECT_TRUE(slice.is_null(1));
  EXPECT_EQ(slice.string_value(9), "14");
  const Column nested = slice.slice(2, 3);
  EXPECT_EQ(nested.string_value(0), "7");
  EXPECT_EQ(nested.offset(), 7);
  EXPECT_THROW(column.slice(15, 6), ShapeError);
  EXPECT_TRUE(slice.equals(column.slice(5, 10)));
  EXPECT_FALSE(slice.equals(column.slice(4, 10)));
}

TEST(AnalyticsColumn, BuffersAreCheckedWhenAssembled) {
  Buffer small = Buffer::allocate(8, Device::cpu());
  EXPECT_NO_THROW(Column(DataType::int32, 2, small));
  EXPECT_THROW(Column(DataType::int32, 3, small), ShapeError);
  EXPECT_THROW(Column(DataType::int64, 1, small, {}, {}, 1), ShapeError);
  EXPECT_THROW(Column(DataType::string, 1, small), ShapeError);  // no offsets
}

TEST(AnalyticsColumn, AppendColumnAndConcatKeepNullsAndValues) {
  ColumnBuilder a(DataType::int64), b(DataType::int64);
  a.append_int64(1);
  a.append_int64(2);
  b.append_null();
  b.append_int64(std::numeric_limits<int64_t>::max());
  const Column joined = concat_columns({a.finish(), b.finish().slice(0, 2)}, DataType::int64);
  EXPECT_EQ(joined.length(), 4);
  EXPECT_EQ(joined.null_count(), 1);
  EXPECT_EQ(joined.value<int64_t>(1), 2);
  EXPECT_TRUE(joined.is_null(2));
  EXPECT_EQ(joined.value<int64_t>(3), std::numeric_limits<int64_t>::max());
  ColumnBuilder wrong(DataType::int32);
  EXPECT_THROW(wrong.append_column(joined), DTypeError);
  EXPECT_THROW(wrong.append_float64(1), DTypeError);
}

TEST(AnalyticsColumn, FloatsCompareByBits) {
  ColumnBuilder a(DataType::float32), b(DataType::float32);
  a.append_float32(std::numeric_limits<float>::quiet_NaN());
  b.append_float32(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(a.finish().equals(b.finish()));
  a.append_float32(0.0f);
  b.append_float32(-0.0f);
  EXPECT_FALSE(a.finish().equals(b.finish()));
}

TEST(AnalyticsDateTime, CivilDaysAndTimestamps) {
  EXPECT_EQ(parse_date("1970-01-01"), 0);
  EXPECT_EQ(parse_date("2000-03-01"), 11017);
  EXPECT_EQ(parse_date("1969-12-31"), -1);
  EXPECT_EQ(parse_date("2024-02-29"), days_from_civil(2024, 2, 29));
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2023-13-01"));
  EXPECT_FALSE(parse_date("2023-1-01"));
  EXPECT_EQ(format_date(-1), "1969-12-31");
  EXPECT_EQ(format_date(11017), "2000-03-01");
  EXPECT_EQ(parse_timestamp("1970-01-02 00:00:01.5"), 86401500000);
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00"), 0);
  EXPECT_FALSE(parse_timestamp("1970-01-01 24:00:00"));
  EXPECT_FALSE(parse_timestamp("1970-01-01 00:00:00.1234567"));
  EXPECT_EQ(format_timestamp(-1), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(format_timestamp(86401500000), "1970-01-02 00:00:01.500000");
  EXPECT_EQ(format_timestamp(0), "1970-01-01 00:00:00");
  for (int64_t micros : {int64_t{-86400000001}, int64_t{1700000000123456}, int64_t{0}})
    EXPECT_EQ(parse_timestamp(format_timestamp(micros)), micros);
}

TEST(AnalyticsDataType, NamesAndAliases) {
  EXPECT_EQ(data_type_name(DataType::timestamp), "timestamp");
  EXPECT_EQ(parse_data_type("double"), DataType::float64);
  EXPECT_EQ(parse_data_type("date32"), DataType::date32);
  try {
    parse_data_type("decimal");
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("the types are: bool, int32"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nimbus::analytics
