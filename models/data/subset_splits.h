#pragma once
// The train/val/test Datasets over one shared table, for the table-backed datasets
// (labeled_table.h, column_table.h): `Subset` is built as Subset(table, part name, rows), and an
// empty val or test part is no Dataset at all.
#include <memory>
#include <utility>
#include <vector>

#include "models/data/dataset.h"
#include "models/data/split.h"
#include "runtime/error.h"

namespace nimbus::data {

template <typename Subset, typename Table>
Splits subsets_of(const std::shared_ptr<const Table>& table, SplitIndices split) {
  const auto part = [&](const char* name, std::vector<int64_t>& rows) -> std::shared_ptr<const Dataset> {
    if (rows.empty()) return nullptr;
    return std::make_shared<Subset>(table, name, std::move(rows));
  };
  Splits splits;
  splits.train = part("train", split.train);
  splits.val = part("val", split.val);
  splits.test = part("test", split.test);
  NIMBUS_CHECK(splits.train != nullptr, table->name, ": the train part is empty");
  return splits;
}

}  // namespace nimbus::data
