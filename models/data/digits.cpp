#include "models/data/digits.h"

#include <memory>

#include "models/data/csv_records.h"
#include "models/data/labeled_table.h"
#include "models/data/split.h"
#include "models/data/text_file.h"
#include "runtime/error.h"

namespace nimbus::data {

namespace {

constexpr int64_t kSide = 8;
constexpr int64_t kPixels = kSide * kSide;
constexpr int64_t kMaxPixel = 16;
constexpr int64_t kClasses = 10;

}  // namespace

Splits load_digits(const DigitsOptions& options) {
  NIMBUS_CHECK_T(ConfigError, !options.path.empty(), "digits: no path given");
  const std::string text = read_data_file(options.path);
  const std::string& path = options.path;

  auto table = std::make_shared<LabeledTable>();
  table->name = "digits";
  table->example_shape = {1, kSide, kSide};
  table->example_text = "images " + shape_text(table->example_shape);
  table->classes = kClasses;
  for_each_csv_record(text, path, [&](const CsvRecord& record) {
    const auto fields = static_cast<int64_t>(record.fields.size());
    NIMBUS_CHECK_T(ParseError, fields == kPixels + 1,
                   csv_location(path, record.line,
                                fields > kPixels + 1 ? record.fields[kPixels + 1].column : record.end_column),
                   ": expected ", kPixels + 1, " values (", kPixels, " pixels, then the label), found ", fields);
    for (int64_t p = 0; p < kPixels; ++p) {
      const int64_t value = parse_integer_field(record.fields[static_cast<size_t>(p)], path, record.line,
                                                "pixel " + std::to_string(p + 1), 0, kMaxPixel);
      table->features.push_back(static_cast<float>(value) / static_cast<float>(kMaxPixel));
    }
    table->labels.push_back(
        parse_integer_field(record.fields[kPixels], path, record.line, "label", 0, kClasses - 1));
  });
  NIMBUS_CHECK_T(ParseError, table->rows() > 0, path, ": no images (the file is empty)");

  SplitIndices split =
      split_rows(table->rows(), options.split_seed, {options.train_fraction, options.val_fraction}, "digits");
  return labeled_splits(std::move(table), std::move(split));
}

}  // namespace nimbus::data
