#pragma once
// The KServe v2 answer to an infer request:
//   {"model_name": "digits", "model_version": "1", "id": "42",
//    "outputs": [{"name": "logits", "datatype": "FP32", "shape": [2, 10], "data": [...]}]}
// ("id" only when the request had one; data flat, row-major.)
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "serve/model_metadata.h"

namespace nimbus::serve {

NIMBUS_API std::string infer_response_json(const std::string& model, int64_t version, const std::optional<std::string>& id,
                                           const TensorSpec& output, int64_t rows, const std::vector<float>& values);

}  // namespace nimbus::serve
