#pragma once
// Inputs for `nimbus predict`: a CSV file of examples, one per line, each the example's input
// values in order (64 pixel values 0-16 for digits, the feature columns for a CSV dataset, ...),
// prepared the way the run's dataset prepares its own (digits pixels are divided by 16). A header
// line is recognized (the analytics CSV reader's detection: a first line whose fields do not
// parse as the numbers below) and skipped. A line with exactly one value more than
// an example needs has it ignored: that is the label column of a training file.
#include <string>

#include "models/config/run_config.h"
#include "runtime/tensor.h"

namespace nimbus::models {

// [N, ...input_shape] f32; throws ParseError naming path:line:column for a bad value or count,
// ConfigError for datasets whose examples are not rows of numbers (text).
NIMBUS_API Tensor read_prediction_inputs(const std::string& path, const DataConfig& data, const Shape& input_shape);

}  // namespace nimbus::models
