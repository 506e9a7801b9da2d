// Column::copy / to and Table::to: every type, with nulls, from slices at offsets that are and are
// not multiples of 8, copying only the bytes the rows use. (The same on a GPU: tests/gpu.)
#include <gtest/gtest.h>

#include <random>

#include "analytics/column_builder.h"
#include "analytics/table.h"

namespace nimbus::analytics {
namespace {

// 100 rows of `type`, every 7th null.
Column sample(DataType type) {
  ColumnBuilder b(type);
  std::mt19937 rng(static_cast<unsigned>(type) + 1);
  for (int i = 0; i < 100; ++i) {
    if (i % 7 == 3) {
      b.append_null();
      continue;
    }
    const int32_t v = static_cast<int32_t>(rng() % 1000) - 500;
    switch (type) {
      case DataType::boolean: b.append_bool(v > 0); break;
      case DataType::int32: b.append_int32(v); break;
      case DataType::int64: b.append_int64(int64_t{v} << 33); break;
      case DataType::float32: b.append_float32(static_cast<float>(v) / 3); break;
      case DataType::float64: b.append_float64(v / 7.0); break;
      case DataType::string: b.append_string(std::string(static_cast<size_t>(i % 5), static_cast<char>('a' + i % 26))); break;
      case DataType::date32: b.append_date32(v * 40); break;
      case DataType::timestamp: b.append_timestamp(int64_t{v} * 123456789); break;
    }
  }
  return b.finish();
}

TEST(AnalyticsTransfer, CopiesOnlyTheRowsOfASliceAndKeepsTheirValues) {
  for (int t = 0; t < kNumDataTypes; ++t) {
    const DataType type = static_cast<DataType>(t);
    const Column full = sample(type);
    for (int64_t start : {0, 3, 8, 13, 64, 99}) {
      const Column slice = full.slice(start, std::min<int64_t>(20, 100 - start));
      const Column copy = slice.copy(Device::cpu());
      EXPECT_TRUE(copy.equals(slice)) << data_type_name(type) << " from row " << start;
      EXPECT_EQ(copy.null_count(), slice.null_count());
      EXPECT_EQ(copy.offset(), start % 8) << "a bitmap is cut at a byte boundary";
      EXPECT_NE(copy.data().data(), slice.data().data()) << "a copy has its own buffers";
      if (is_fixed_width(type)) {
        EXPECT_EQ(static_cast<int64_t>(copy.data().nbytes()), (start % 8 + slice.length()) * fixed_width(type));
      }
      if (copy.validity().defined()) {
        EXPECT_LE(static_cast<int64_t>(copy.validity().nbytes()), bitmap_bytes(start % 8 + slice.length()));
      }
    }
  }
}

TEST(AnalyticsTransfer, ToTheSameDeviceSharesTheBuffers) {
  const Table table({"f", "s"}, {sample(DataType::float64), sample(DataType::string)});
  const Table same = table.to(Device::cpu());
  EXPECT_EQ(same.column("f").data().data(), table.column("f").data().data());
  EXPECT_TRUE(same.equals(table));
  const Table empty_rows = table.slice(5, 0).to(Device::cpu());
  EXPECT_EQ(empty_rows.num_rows(), 0);
}

}  // namespace
}  // namespace nimbus::analytics
