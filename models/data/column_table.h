#pragma once
// Examples held as columns: one f32 tensor per feature and an i64 tensor of labels, shared by the
// train, val and test datasets, which are lists of row numbers into it (the query dataset).
//
// Note [Column-major features]: a Dataset only promises gather(indices) -> a fresh [B, F] batch,
// and that batch is assembled by copying rows whatever the storage is (the rows of a shuffled batch
// are scattered). So the features need not be interleaved into an [N, F] matrix up front: each
// feature stays the column it came from, and gather interleaves the B rows it was asked for. A
// float32 column therefore reaches training without ever being copied into a second array
// (features[f] is a tensor on the column's own buffer). The cost is F scattered reads per example
// instead of one contiguous row, which is small next to a model step for the widths tabular data
// has; it saves holding the whole feature matrix twice.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/data/dataset.h"
#include "models/data/split.h"

namespace nimbus::data {

struct ColumnTable {
  std::string name;  // the first word of describe(), e.g. "query"
  std::vector<std::string> feature_names;
  std::vector<Tensor> features;  // per feature: f32 [rows], 1-d contiguous, on the CPU
  Tensor labels;                 // i64 [rows], class ids in [0, classes)
  int64_t classes = 0;
  std::vector<std::string> class_names;  // per class

  int64_t rows() const { return labels.numel(); }
};

// One part ("train", "val", "test") of a column table: example i is row rows[i] of the table.
class NIMBUS_API ColumnSubset final : public Dataset {
 public:
  ColumnSubset(std::shared_ptr<const ColumnTable> table, std::string part, std::vector<int64_t> rows);

  int64_t size() const override { return static_cast<int64_t>(rows_.size()); }
  // inputs f32 [B, F] (features in table order), targets i64 [B]; ShapeError for an index out of range.
  Batch gather(std::span<const int64_t> indices) const override;
  Shape input_shape() const override { return {static_cast<int64_t>(table_->features.size())}; }
  int64_t num_classes() const override { return table_->classes; }
  // "<name> <part>: <size> rows of <F> features, <classes> classes"
  std::string describe() const override;

  const ColumnTable& table() const { return *table_; }
  const std::vector<int64_t>& rows() const { return rows_; }

 private:
  std::shared_ptr<const ColumnTable> table_;
  std::string part_;
  std::vector<int64_t> rows_;
};

// The three parts of `table` named by `split`; an empty val or test part is null.
NIMBUS_API Splits column_splits(std::shared_ptr<const ColumnTable> table, SplitIndices split);

}  // namespace nimbus::data
