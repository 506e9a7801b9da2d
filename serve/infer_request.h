#pragma once
// The body of a KServe v2 infer request, parsed and checked against the model's metadata.
//
//   {"id": "42", "inputs": [{"name": "input", "shape": [2, 64], "datatype": "FP32",
//                            "data": [[0, 1, ...], [...]]}]}
//
// `data` may be flat or nested (it is read in row-major order either way); the product of `shape`
// must equal the number of values. Integer datatypes (INT64, INT32, ... : token ids) are read
// exactly as integers; every other datatype as FP32 values. "parameters" and "outputs" are accepted and ignored: every
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
  bool is_integer = false;    // is_integer_datatype(datatype): the values are in `ints`
  std::vector<float> data;    // row-major, for FP32 (and any non-integer datatype)
  std::vector<int64_t> ints;  // row-major, for integer datatypes
  std::string integer_problem;  // the first value that is not an integer of the datatype, reported by validation
  size_t value_count() const { return is_integer ? ints.size() : data.size(); }
};

// INT8 .. INT64 and UINT8 .. UINT64: their data is read as exact integers.
NIMBUS_API bool is_integer_datatype(std::string_view datatype);

struct InferRequest {
  std::optional<std::string> id;  // echoed in the response
  std::vector<InferInput> inputs;
};

// Parses `body` (simdjson, on the request path). Throws HttpError(400) for malformed JSON or a
// request that is not shaped as above.
NIMBUS_API InferRequest parse_infer_request(std::string_view body);
// Checks names, datatypes and shapes against `metadata`; returns the batch size (the first
// dimension, shared by all inputs). For a token model (Note [Token model] in model_metadata.h)
// INT32 is taken for INT64, and the sequence length and every id are checked against the model.
// Throws HttpError(400) naming the mismatch.
NIMBUS_API int64_t validate_infer_request(const InferRequest& request, const ModelMetadata& metadata);

}  // namespace nimbus::serve
