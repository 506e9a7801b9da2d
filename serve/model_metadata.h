#pragma once
// What a served model takes and returns, as the KServe v2 protocol describes tensors, plus the
// input preparation the training data applied. Written by `nimbus export` as metadata.json beside
// the model's config.yaml and weights.safetensors (Note [Exported model] in model_export.h).
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::serve {

// One input or output tensor: `shape` has -1 for the batch dimension.
struct TensorSpec {
  std::string name;
  std::string datatype;  // KServe names: "FP32", "INT64", ...
  std::vector<int64_t> shape;
};

struct ModelMetadata {
  std::string platform = "nimbus";
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  // Inputs are multiplied by this before the model sees them: the digits dataset trains on pixels
  // divided by 16, while clients send the raw values 0-16 (as `nimbus predict` reads them).
  float input_scale = 1.0f;
  int64_t trained_steps = 0;  // the checkpoint's step, for people reading the file
};

// The metadata as the JSON metadata.json holds.
NIMBUS_API std::string metadata_to_json(const ModelMetadata& metadata);
// Parses and checks metadata.json text; throws ParseError naming `source` and the bad field.
NIMBUS_API ModelMetadata parse_metadata_json(const std::string& text, const std::string& source);

}  // namespace nimbus::serve
