#include "analytics/tensor_bridge.h"

#include <cstring>

namespace nimbus::analytics {

namespace {

DType storage_dtype(DataType type) {
  switch (type) {
    case DataType::int32:
    case DataType::date32:
      return DType::i32;
    case DataType::int64:
    case DataType::timestamp:
      return DType::i64;
    case DataType::float32:
      return DType::f32;
    case DataType::float64:
      return DType::f64;
    case DataType::boolean:
      NIMBUS_THROW(DTypeError, "column_as_tensor: a bool column is bit-packed (Arrow layout) and a bool tensor "
                               "holds a byte per value, so they cannot share memory");
    case DataType::string:
      NIMBUS_THROW(DTypeError, "column_as_tensor: a string column has no tensor form");
  }
  NIMBUS_THROW(DTypeError, "column_as_tensor: unknown column type");
}

}  // namespace

Tensor column_as_tensor(const Column& column) {
  const DType dtype = storage_dtype(column.type());
  NIMBUS_CHECK(!column.has_nulls(), "column_as_tensor: the ", data_type_name(column.type()), " column has ",
               column.null_count(), " null", column.null_count() == 1 ? "" : "s",
               " of ", column.length(), " values and a tensor cannot hold nulls; fill them "
               "(column_to_tensor_filled) or filter them out first");
  return Tensor(column.data(), dtype, {column.length()}, {1}, column.offset());
}

Tensor column_to_tensor_filled(const Column& column, Scalar fill) {
  if (!column.has_nulls()) return column_as_tensor(column);
  const DType dtype = storage_dtype(column.type());
  const Column dense(column.type(), column.length(), column.data(), Buffer(), Buffer(), column.offset());
  Tensor copy = column_as_tensor(dense).to(Device::cpu()).clone();
  const Tensor filler = full({1}, fill, {dtype, Device::cpu()});
  const auto width = static_cast<size_t>(dtype_size(dtype));
  auto* bytes = static_cast<char*>(copy.data_ptr());
  for (int64_t i = 0; i < column.length(); ++i) {
    if (column.is_null(i)) std::memcpy(bytes + static_cast<size_t>(i) * width, filler.data_ptr(), width);
  }
  return copy.to(column.device());
}

Column tensor_as_column(const Tensor& tensor) {
  NIMBUS_CHECK_T(ShapeError, tensor.dim() == 1 && tensor.is_contiguous(), "tensor_as_column: needs a 1-d contiguous "
                 "tensor, got shape ", shape_str(tensor.shape()), " with strides ", shape_str(tensor.strides()));
  DataType type = DataType::int32;
  switch (tensor.dtype()) {
    case DType::i32: type = DataType::int32; break;
    case DType::i64: type = DataType::int64; break;
    case DType::f32: type = DataType::float32; break;
    case DType::f64: type = DataType::float64; break;
    default:
      NIMBUS_THROW(DTypeError, "tensor_as_column: a ", dtype_name(tensor.dtype()),
                   " tensor has no column type (i32, i64, f32 and f64 do)");
  }
  return Column(type, tensor.numel(), tensor.buffer(), Buffer(), Buffer(), tensor.offset());
}

}  // namespace nimbus::analytics
