#include "models/runner/predict_inputs.h"

#include "analytics/csv/csv_reader.h"
#include "models/data/training_csv.h"
#include "analytics/io/file_bytes.h"
#include "runtime/error.h"

namespace nimbus::models {

namespace {

// Prediction files are read like training files (spaces around fields dropped, no nulls), with the
// header detected: a first line whose fields do not fit the column types is a header.
analytics::CsvReadOptions predict_read_options() {
  analytics::CsvReadOptions options = data::training_csv_options();
  options.header = analytics::CsvHeader::detect;
  return options;
}

}  // namespace

Tensor read_prediction_inputs(const std::string& path, const DataConfig& data, const Shape& input_shape) {
  const bool tokens = data.dataset == "text" || (data.dataset == "synthetic" && data.synthetic_kind == "tokens");
  NIMBUS_CHECK_T(ConfigError, !tokens, "predict: this run trains on token sequences (", data.dataset,
                 "); predict reads rows of numbers for classifiers");
  const int64_t width = shape_numel(input_shape);
  const float scale = data.dataset == "digits" ? 1.0f / 16.0f : 1.0f;  // as models/data/digits.cpp prepares pixels
  const std::string text = analytics::read_file_bytes(path);

  // One read with every column as float32: a header is then the first line that is not all
  // numbers, and a bad value is reported where it is. A trailing label column is allowed and ignored.
  analytics::CsvReadOptions options = predict_read_options();
  options.default_type = analytics::DataType::float32;
  const analytics::CsvReadResult read = analytics::read_csv_text(text, path, options);
  const int64_t rows = read.table.num_rows(), columns = read.table.num_columns();
  NIMBUS_CHECK_T(ParseError, rows > 0, path, ": no examples (an empty file, or only a header)");
  NIMBUS_CHECK_T(ParseError, columns == width || columns == width + 1, read.location(0, 0), ": expected ", width,
                 " values (one example of shape ", shape_str(input_shape), "), got ", columns);

  std::vector<float> values(static_cast<size_t>(rows * width));
  for (int64_t c = 0; c < width; ++c) {
    const float* column = read.table.column(c).values<float>();
    for (int64_t r = 0; r < rows; ++r) values[static_cast<size_t>(r * width + c)] = column[r] * scale;
  }
  Shape shape{rows};
  shape.insert(shape.end(), input_shape.begin(), input_shape.end());
  return from_vector(values, shape);
}

}  // namespace nimbus::models
