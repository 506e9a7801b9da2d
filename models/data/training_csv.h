#pragma once
// How the training runner reads CSV files (tabular datasets, digits, prediction inputs) through
// the analytics reader: hand-written files often have spaces after commas, so fields are trimmed;
// a missing or non-finite value is an error rather than a null, since a model cannot take either;
// and positions are kept so range checks after parsing still name file:line:column.
#include "analytics/csv/csv_reader.h"

namespace nimbus::data {

inline analytics::CsvReadOptions training_csv_options() {
  analytics::CsvReadOptions options;
  options.trim_whitespace = true;
  options.null_values = {""};
  options.allow_nulls = false;
  options.allow_non_finite = false;
  options.keep_locations = true;
  return options;
}

}  // namespace nimbus::data
