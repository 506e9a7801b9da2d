// Columns and tensors on one buffer: no copy either way, writes seen through both.
#include <gtest/gtest.h>

#include "analytics/column_builder.h"
#include "analytics/tensor_bridge.h"

namespace nimbus::analytics {
namespace {

TEST(AnalyticsTensorBridge, ColumnToTensorSharesTheBuffer) {
  ColumnBuilder builder(DataType::float32);
  for (int i = 0; i < 6; ++i) builder.append_float32(static_cast<float>(i));
  const Column column = builder.finish();
  const Tensor tensor = column_as_tensor(column);
  EXPECT_EQ(tensor.dtype(), DType::f32);
  EXPECT_EQ(tensor.shape(), (Shape{6}));
  EXPECT_EQ(tensor.data_ptr(), static_cast<const void*>(column.values<float>()));
  tensor.fill_(7.5);
  EXPECT_EQ(column.value<float>(3), 7.5f);
  column.mutable_values<float>()[0] = -1;
  EXPECT_EQ(tensor.to_vector<float>()[0], -1.f);

  // A slice is a tensor with an offset on the same buffer.
  const Tensor tail = column_as_tensor(column.slice(4, 2));
  EXPECT_EQ(tail.offset(), 4);
  EXPECT_EQ(tail.data_ptr(), static_cast<const void*>(column.values<float>() + 4));
}

TEST(AnalyticsTensorBridge, TensorToColumnSharesTheBuffer) {
  const Tensor tensor = arange(10, DType::i64);
  const Column column = tensor_as_column(tensor.slice(0, 2, 7));
  EXPECT_EQ(column.type(), DataType::int64);
  EXPECT_EQ(column.length(), 5);
  EXPECT_EQ(static_cast<const void*>(column.values<int64_t>()),
            static_cast<const void*>(tensor.data<int64_t>() + 2));
  column.mutable_values<int64_t>()[0] = 100;
  EXPECT_EQ(tensor.to_vector<int64_t>()[2], 100);
  EXPECT_THROW(tensor_as_column(tensor.slice(0, 0, 10, 2)), ShapeError);  // strided
  EXPECT_THROW(tensor_as_column(zeros({2, 2})), ShapeError);
  EXPECT_THROW(tensor_as_column(zeros({2}, DType::f16)), DTypeError);
}

TEST(AnalyticsTensorBridge, DatesAndTimestampsGiveTheirStorage) {
  ColumnBuilder dates(DataType::date32);
  dates.append_date32(19000);
  EXPECT_EQ(column_as_tensor(dates.finish()).dtype(), DType::i32);
  ColumnBuilder flags(DataType::boolean);
  flags.append_bool(true);
  EXPECT_THROW(column_as_tensor(flags.finish()), DTypeError);
  ColumnBuilder names(DataType::string);
  names.append_string("x");
  EXPECT_THROW(column_as_tensor(names.finish()), DTypeError);
}

TEST(AnalyticsTensorBridge, NullsRefuseOrFillACopy) {
  ColumnBuilder builder(DataType::int32);
  builder.append_int32(4);
  builder.append_null();
  builder.append_int32(6);
  const Column column = builder.finish();
  try {
    column_as_tensor(column);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has 1 null of 3 values"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("column_to_tensor_filled"), std::string::npos) << e.what();
  }
  const Tensor filled = column_to_tensor_filled(column, -1);
  EXPECT_EQ(filled.to_vector<int32_t>(), (std::vector<int32_t>{4, -1, 6}));
  EXPECT_NE(filled.data_ptr(), static_cast<const void*>(column.values<int32_t>()));
  EXPECT_EQ(column.value<int32_t>(1), 0);  // the column is unchanged
}

}  // namespace
}  // namespace nimbus::analytics
