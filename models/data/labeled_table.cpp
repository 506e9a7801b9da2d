#include "models/data/labeled_table.h"

#include <algorithm>
#include <cstring>

#include "models/data/subset_splits.h"
#include "runtime/error.h"

namespace nimbus::data {

LabeledSubset::LabeledSubset(std::shared_ptr<const LabeledTable> table, std::string part, std::vector<int64_t> rows)
    : table_(std::move(table)), part_(std::move(part)), rows_(std::move(rows)) {
  NIMBUS_CHECK(table_ != nullptr, "LabeledSubset: no table");
  for (const int64_t row : rows_) {
    NIMBUS_CHECK_T(ShapeError, row >= 0 && row < table_->rows(), table_->name, " ", part_, ": row ", row,
                   " is outside the table's ", table_->rows(), " rows");
  }
}

Batch LabeledSubset::gather(std::span<const int64_t> indices) const {
  const auto batch = static_cast<int64_t>(indices.size());
  const int64_t width = shape_numel(table_->example_shape);
  Shape input_shape{batch};
  input_shape.insert(input_shape.end(), table_->example_shape.begin(), table_->example_shape.end());
  Tensor inputs = empty(input_shape, DType::f32);
  Tensor targets = empty({batch}, DType::i64);
  float* in = inputs.data<float>();
  int64_t* out = targets.data<int64_t>();
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t i = indices[static_cast<size_t>(b)];
    NIMBUS_CHECK_T(ShapeError, i >= 0 && i < size(), describe(), ": index ", i, " is outside 0..", size() - 1);
    const int64_t row = rows_[static_cast<size_t>(i)];
    std::memcpy(in + b * width, table_->features.data() + row * width, static_cast<size_t>(width) * sizeof(float));
    out[b] = table_->labels[static_cast<size_t>(row)];
  }
  return {inputs, targets};
}

std::string LabeledSubset::describe() const {
  return detail::concat(table_->name, " ", part_, ": ", size(), " ", table_->example_text, ", ", table_->classes,
                        " classes");
}

Splits labeled_splits(std::shared_ptr<const LabeledTable> table, SplitIndices split) {
  return subsets_of<LabeledSubset>(table, std::move(split));
}

std::string shape_text(const Shape& shape) {
  std::string text;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d > 0) text += 'x';
    text += std::to_string(shape[d]);
  }
  return text;
}

}  // namespace nimbus::data
