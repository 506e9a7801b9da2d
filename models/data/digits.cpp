#include "models/data/digits.h"

#include <memory>

#include "analytics/csv/csv_reader.h"
#include "models/data/training_csv.h"
#include "models/data/labeled_table.h"
#include "models/data/split.h"
#include "runtime/error.h"

namespace nimbus::data {

namespace {

constexpr int64_t kSide = 8;
constexpr int64_t kPixels = kSide * kSide;
constexpr int32_t kMaxPixel = 16;
constexpr int32_t kClasses = 10;

analytics::CsvReadOptions digits_read_options() {
  analytics::CsvReadOptions options = training_csv_options();
  options.header = analytics::CsvHeader::absent;
  for (int64_t p = 1; p <= kPixels; ++p) options.column_names.push_back("pixel " + std::to_string(p));
  options.column_names.push_back("label");
  options.default_type = analytics::DataType::int32;
  return options;
}

// Value `row` of column `c`, checked to be in [0, high].
int32_t checked(const analytics::CsvReadResult& read, int64_t row, int64_t c, int32_t high) {
  const int32_t value = read.table.column(c).value<int32_t>(row);
  NIMBUS_CHECK_T(ParseError, value >= 0 && value <= high, read.location(row, c), ": column '",
                 read.table.names()[static_cast<size_t>(c)], "': ", value, " is outside 0..", high);
  return value;
}

}  // namespace

Splits load_digits(const DigitsOptions& options) {
  NIMBUS_CHECK_T(ConfigError, !options.path.empty(), "digits: no path given");
  const analytics::CsvReadResult read = analytics::read_csv(options.path, digits_read_options());
  const int64_t rows = read.table.num_rows();
  NIMBUS_CHECK_T(ParseError, rows > 0, options.path, ": no images (the file is empty)");

  auto table = std::make_shared<LabeledTable>();
  table->name = "digits";
  table->example_shape = {1, kSide, kSide};
  table->example_text = "images " + shape_text(table->example_shape);
  table->classes = kClasses;
  table->features.reserve(static_cast<size_t>(rows * kPixels));
  table->labels.reserve(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t p = 0; p < kPixels; ++p)
      table->features.push_back(static_cast<float>(checked(read, r, p, kMaxPixel)) / static_cast<float>(kMaxPixel));
    table->labels.push_back(checked(read, r, kPixels, kClasses - 1));
  }

  SplitIndices split =
      split_rows(table->rows(), options.split_seed, {options.train_fraction, options.val_fraction}, "digits");
  return labeled_splits(std::move(table), std::move(split));
}

}  // namespace nimbus::data
