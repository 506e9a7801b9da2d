#pragma once
// A tabular classification dataset from a CSV file (gzip or plain).
//
// The file is read by the analytics CSV reader (analytics/csv/csv_reader.h: RFC 4180 quoting, quoted
// fields may span lines, CRLF, a BOM, gzip), with spaces around fields dropped and blank lines
// skipped. Every feature column is read as float32 (finite values only), the label as a string.
//
// File: a header row naming the columns (names non-empty and distinct), then one row per example
// with as many fields as the header. The label column is chosen by name (default: the last
// column); every other column is a numeric feature, so an example is f32 [F] in header order.
// Labels: when every label is written as a non-negative integer (digits only), the label is the
// class id and there are max + 1 classes, named "0", "1", ...; the largest id allowed is 999999.
// Otherwise the distinct label strings, sorted by byte value, are classes 0, 1, ... and their
// names are recorded. Class and feature names are in LabeledSubset::table() (labeled_table.h).
// Errors: ParseErrors "path:line:column: ..." naming the column and the bad value (empty field,
// not a number, inf/nan, outside float32, wrong number of fields, empty label, class id too
// large); ConfigError for a label column that does not exist, listing the columns.
//
// Split: the seeded train/val/test split of digits (Note [Row split] in split.h); a file of 20 rows
// with the defaults gives 16 / 2 / 2. An empty val or test part is null.
// describe(): "iris.csv train: 120 rows of 4 features, 3 classes".
#include <cstdint>
#include <string>

#include "models/data/dataset.h"

namespace nimbus::data {

struct CsvTabularOptions {
  std::string path{};
  std::string label_column{};  // empty: the last column
  uint64_t split_seed = 0;
  double train_fraction = 0.8, val_fraction = 0.1;
};

NIMBUS_API Splits load_csv_tabular(const CsvTabularOptions& options);

}  // namespace nimbus::data
