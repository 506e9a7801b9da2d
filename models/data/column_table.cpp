#include "models/data/column_table.h"

#include "models/data/subset_splits.h"
#include "runtime/error.h"

namespace nimbus::data {

ColumnSubset::ColumnSubset(std::shared_ptr<const ColumnTable> table, std::string part, std::vector<int64_t> rows)
    : table_(std::move(table)), part_(std::move(part)), rows_(std::move(rows)) {
  NIMBUS_CHECK(table_ != nullptr, "ColumnSubset: no table");
  NIMBUS_CHECK(table_->labels.dtype() == DType::i64 && table_->labels.dim() == 1 && table_->labels.is_contiguous(),
               table_->name, ": labels must be a contiguous i64 [rows] tensor");
  for (size_t f = 0; f < table_->features.size(); ++f) {
    const Tensor& column = table_->features[f];
    NIMBUS_CHECK(column.dtype() == DType::f32 && column.dim() == 1 && column.is_contiguous() &&
                     column.numel() == table_->rows() && column.device().is_cpu(),
                 table_->name, ": feature ", f, " must be a contiguous f32 CPU tensor of ", table_->rows(), " rows");
  }
  for (const int64_t row : rows_) {
    NIMBUS_CHECK_T(ShapeError, row >= 0 && row < table_->rows(), table_->name, " ", part_, ": row ", row,
                   " is outside the table's ", table_->rows(), " rows");
  }
}

Batch ColumnSubset::gather(std::span<const int64_t> indices) const {
  const auto batch = static_cast<int64_t>(indices.size());
  const auto width = static_cast<int64_t>(table_->features.size());
  Tensor inputs = empty({batch, width}, DType::f32);
  Tensor targets = empty({batch}, DType::i64);
  std::vector<int64_t> rows(indices.size());
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t i = indices[static_cast<size_t>(b)];
    NIMBUS_CHECK_T(ShapeError, i >= 0 && i < size(), describe(), ": index ", i, " is outside 0..", size() - 1);
    rows[static_cast<size_t>(b)] = rows_[static_cast<size_t>(i)];
  }
  // Column by column: one feature's reads stay in one array (Note [Column-major features]).
  float* in = inputs.data<float>();
  for (int64_t f = 0; f < width; ++f) {
    const float* column = table_->features[static_cast<size_t>(f)].data<float>();
    for (int64_t b = 0; b < batch; ++b) in[b * width + f] = column[rows[static_cast<size_t>(b)]];
  }
  const int64_t* labels = table_->labels.data<int64_t>();
  int64_t* out = targets.data<int64_t>();
  for (int64_t b = 0; b < batch; ++b) out[b] = labels[rows[static_cast<size_t>(b)]];
  return {inputs, targets};
}

std::string ColumnSubset::describe() const {
  const size_t width = table_->features.size();
  return detail::concat(table_->name, " ", part_, ": ", size(), " rows of ", width,
                        width == 1 ? " feature, " : " features, ", table_->classes, " classes");
}

Splits column_splits(std::shared_ptr<const ColumnTable> table, SplitIndices split) {
  return subsets_of<ColumnSubset>(table, std::move(split));
}

}  // namespace nimbus::data
