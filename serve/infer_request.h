#pragma once
// The body of a KServe v2 infer request, parsed and checked against the model's metadata.
//
//   {"id": "42", "inputs": [{"name": "input", "shape": [2, 64], "datatype": "FP32",
//                            "data": [[0, 1, ...], [...]]}]}
//
// `data` may be flat or nested (it is read in row-major order either way); the product of `shape`
// must equal the number of values. "parameters" and "outputs" are accepted and ignored: every
// model output is returned. The body is parsed as JSON whatever the request's Content-Type says.
// Every problem is an HttpError(400) whose message names the input and the field.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/model_metadata.h"

namespace nimbus::serve {

struct InferInput {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major, as FP32 (the only input datatype served today)
};

struct InferRequest {
  std::optional<std::string> id;  // echoed in the response
  std::vector<InferInput> inputs;
};

// Parses `body` (simdjson, on the request path). Throws HttpError(400) for malformed JSON or a
// request that is not shaped as above.
NIMBUS_API InferRequest parse_infer_request(std::string_view body);
// Checks names, datatypes and shapes against `metadata`; returns the batch size (the first
// dimension, shared by all inputs). Throws HttpError(400) naming the mismatch.
NIMBUS_API int64_t validate_infer_request(const InferRequest& request, const ModelMetadata& metadata);

}  // namespace nimbus::serve
