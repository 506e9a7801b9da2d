#include "models/runner/predict_inputs.h"

#include <cstdlib>

#include "models/data/csv_records.h"
#include "models/data/text_file.h"
#include "runtime/error.h"

namespace nimbus::models {

Tensor read_prediction_inputs(const std::string& path, const DataConfig& data, const Shape& input_shape) {
  const bool tokens = data.dataset == "text" || (data.dataset == "synthetic" && data.synthetic_kind == "tokens");
  NIMBUS_CHECK_T(ConfigError, !tokens, "predict: this run trains on token sequences (", data.dataset,
                 "); predict reads rows of numbers for classifiers");
  const int64_t width = shape_numel(input_shape);
  const double scale = data.dataset == "digits" ? 1.0 / 16.0 : 1.0;  // as models/data/digits.cpp prepares pixels
  const std::string text = data::read_data_file(path);
  std::vector<float> values;
  int64_t rows = 0;
  bool first = true;
  data::for_each_csv_record(text, path, [&](const data::CsvRecord& record) {
    const bool header = first && !record.fields.empty() && [&] {
      for (const auto& f : record.fields) {
        char* end = nullptr;
        std::strtod(f.text.c_str(), &end);
        if (f.text.empty() || *end != '\0') return true;
      }
      return false;
    }();
    first = false;
    if (header) return;
    const auto n = static_cast<int64_t>(record.fields.size());
    NIMBUS_CHECK_T(ParseError, n == width || n == width + 1, data::csv_location(path, record.line, 1), ": expected ",
                   width, " values (one example of shape ", shape_str(input_shape), "), got ", n);
    for (int64_t i = 0; i < width; ++i)
      values.push_back(static_cast<float>(
          data::parse_number_field(record.fields[i], path, record.line, "value " + std::to_string(i + 1)) * scale));
    ++rows;
  });
  NIMBUS_CHECK_T(ParseError, rows > 0, path, ": no examples (an empty file, or only a header)");
  Shape shape{rows};
  shape.insert(shape.end(), input_shape.begin(), input_shape.end());
  return from_vector(values, shape);
}

}  // namespace nimbus::models
