#pragma once
// Rows of f32 features with a class label, held once in memory and shared by the train, val and
// test datasets, which are lists of row numbers into it (digits, CSV tables, synthetic data).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/data/dataset.h"
#include "models/data/split.h"

namespace nimbus::data {

struct LabeledTable {
  std::string name;  // "digits", "iris.csv": the first word of describe()
  // How one example reads in describe(), after the count: "images 1x8x8", "rows of 4 features".
  std::string example_text;
  Shape example_shape;  // {1, 8, 8}, {4}
  int64_t classes = 0;
  std::vector<std::string> class_names;    // per class; may be empty when classes are plain numbers
  std::vector<std::string> feature_names;  // per feature; may be empty
  std::vector<float> features;  // rows x numel(example_shape), row-major
  std::vector<int64_t> labels;  // per row, in [0, classes)

  int64_t rows() const { return static_cast<int64_t>(labels.size()); }
};

// One part ("train", "val", "test") of a table: example i is row rows[i] of the table.
class NIMBUS_API LabeledSubset final : public Dataset {
 public:
  LabeledSubset(std::shared_ptr<const LabeledTable> table, std::string part, std::vector<int64_t> rows);

  int64_t size() const override { return static_cast<int64_t>(rows_.size()); }
  // inputs f32 [B, ...example_shape], targets i64 [B]; throws ShapeError for an index out of range.
  Batch gather(std::span<const int64_t> indices) const override;
  Shape input_shape() const override { return table_->example_shape; }
  int64_t num_classes() const override { return table_->classes; }
  // "<name> <part>: <size> <example_text>, <classes> classes"
  std::string describe() const override;

  const LabeledTable& table() const { return *table_; }
  const std::vector<int64_t>& rows() const { return rows_; }

 private:
  std::shared_ptr<const LabeledTable> table_;
  std::string part_;
  std::vector<int64_t> rows_;
};

// The three parts of `table` named by `split`; an empty val or test part is null.
NIMBUS_API Splits labeled_splits(std::shared_ptr<const LabeledTable> table, SplitIndices split);

// "1x8x8" for {1, 8, 8}
NIMBUS_API std::string shape_text(const Shape& shape);

}  // namespace nimbus::data
