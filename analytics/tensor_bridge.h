#pragma once
// Columns and tensors on the same memory.
//
// A fixed-width column without nulls is a 1-d contiguous Tensor over the same Buffer (the
// column's offset becomes the tensor's offset): no bytes move, and a write through either is seen
// by the other. int32 -> i32, int64 -> i64, float32 -> f32, float64 -> f64; date32 and timestamp
// give their storage (i32 days, i64 microseconds). bool columns are bit-packed and bool tensors
// hold a byte a value, so they do not share (DTypeError); strings have no tensor form.
#include "analytics/column.h"
#include "analytics/table.h"
#include "runtime/scalar.h"
#include "runtime/tensor.h"

namespace nimbus::analytics {

// The column's values as a tensor sharing its buffer. Throws Error for a column with nulls (naming
// the null count and pointing at column_to_tensor_filled), DTypeError for bool and string.
NIMBUS_API Tensor column_as_tensor(const Column& column);
// A copy with every null replaced by `fill` (converted to the column's type); the column's own
// buffer when it has no nulls.
NIMBUS_API Tensor column_to_tensor_filled(const Column& column, Scalar fill);
// A 1-d contiguous i32/i64/f32/f64 tensor as a column (int32, int64, float32, float64) sharing its
// buffer. Throws ShapeError for other shapes and non-contiguous views, DTypeError for other dtypes.
NIMBUS_API Column tensor_as_column(const Tensor& tensor);

}  // namespace nimbus::analytics
