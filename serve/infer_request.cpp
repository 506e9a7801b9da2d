#include "serve/infer_request.h"

#include <cmath>
#include <limits>
#include <simdjson.h>

#include "serve/http_error.h"

namespace nimbus::serve {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Nested data deeper than this is refused rather than followed (no tensor served has this rank).
constexpr int kMaxDataDepth = 32;
constexpr int64_t kMaxDimension = int64_t{1} << 31;

[[noreturn]] void bad_request(const std::string& message) { throw HttpError(400, message); }

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text.append(i ? ", " : "").append(std::to_string(shape[i]));
  return text.append("]");
}

const char* type_name(element_type type) {
  switch (type) {
    case element_type::ARRAY: return "a list";
    case element_type::OBJECT: return "an object";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
    default: return "a number";
  }
}

std::string input_label(const std::string& name) { return std::string("input '").append(name).append("'"); }

void flatten(element value, int depth, const std::string& name, std::vector<float>& out) {
  const element_type type = value.type();
  if (type == element_type::ARRAY) {
    if (depth >= kMaxDataDepth)
      bad_request(input_label(name).append(": data is nested deeper than ").append(std::to_string(kMaxDataDepth)));
    const simdjson::dom::array items = value.get_array().value_unsafe();
    for (const element item : items) flatten(item, depth + 1, name, out);
    return;
  }
  if (type != element_type::INT64 && type != element_type::UINT64 && type != element_type::DOUBLE)
    bad_request(input_label(name).append(": data must hold numbers, found ").append(type_name(type)));
  const double number = value.get_double().value_unsafe();
  const float narrowed = static_cast<float>(number);
  if (!std::isfinite(narrowed))
    bad_request(input_label(name).append(": the value ").append(std::to_string(number)).append(" does not fit FP32"));
  out.push_back(narrowed);
}

// The field `key` of `object`, which must be present with `expected` type.
element field(simdjson::dom::object object, const char* key, element_type expected, const std::string& where) {
  element value;
  if (object[key].get(value)) bad_request(std::string(where).append(": missing \"").append(key).append("\""));
  if (value.type() != expected)
    bad_request(std::string(where).append(": \"").append(key).append("\" must be ").append(type_name(expected)).append(
        ", not ").append(type_name(value.type())));
  return value;
}

InferInput parse_input(element value, size_t index) {
  const std::string where = std::string("inputs[").append(std::to_string(index)).append("]");
  if (value.type() != element_type::OBJECT) bad_request(std::string(where).append(" must be an object"));
  const simdjson::dom::object object = value.get_object().value_unsafe();
  InferInput input;
  input.name = std::string(field(object, "name", element_type::STRING, where).get_string().value_unsafe());
  const std::string label = input_label(input.name);
  input.datatype = std::string(field(object, "datatype", element_type::STRING, label).get_string().value_unsafe());
  const simdjson::dom::array shape = field(object, "shape", element_type::ARRAY, label).get_array().value_unsafe();
  for (const element dim : shape) {
    int64_t size = 0;
    if (dim.get_int64().get(size) || size < 0 || size > kMaxDimension)
      bad_request(std::string(label).append(": shape must hold sizes from 0 to 2^31"));
    input.shape.push_back(size);
  }
  if (input.shape.empty()) bad_request(std::string(label).append(": shape is empty"));
  flatten(field(object, "data", element_type::ARRAY, label), 0, input.name, input.data);
  return input;
}

}  // namespace

InferRequest parse_infer_request(std::string_view body) {
  // One parser per thread: it keeps its buffers between requests and is not shared.
  thread_local simdjson::dom::parser parser;
  element root;
  if (const simdjson::error_code error = parser.parse(body.data(), body.size()).get(root))
    bad_request(std::string("malformed JSON: ").append(simdjson::error_message(error)));
  if (root.type() != element_type::OBJECT) bad_request("the request body must be a JSON object");
  const simdjson::dom::object object = root.get_object().value_unsafe();
  InferRequest request;
  element id;
  if (!object["id"].get(id)) {
    if (id.type() != element_type::STRING) bad_request(std::string("\"id\" must be a string, not ").append(type_name(id.type())));
    request.id = std::string(id.get_string().value_unsafe());
  }
  const simdjson::dom::array inputs = field(object, "inputs", element_type::ARRAY, "the request").get_array().value_unsafe();
  for (const element input : inputs) request.inputs.push_back(parse_input(input, request.inputs.size()));
  if (request.inputs.empty()) bad_request("\"inputs\" is empty");
  return request;
}

int64_t validate_infer_request(const InferRequest& request, const ModelMetadata& metadata) {
  if (request.inputs.size() != metadata.inputs.size())
    bad_request(std::string("expected ").append(std::to_string(metadata.inputs.size())).append(" input(s), got ").append(
        std::to_string(request.inputs.size())));
  int64_t batch = -1;
  for (const InferInput& input : request.inputs) {
    const std::string label = input_label(input.name);
    const TensorSpec* spec = nullptr;
    for (const TensorSpec& s : metadata.inputs)
      if (s.name == input.name) spec = &s;
    if (spec == nullptr) bad_request(std::string("unknown ").append(label).append(" (the model takes '").append(metadata.inputs[0].name).append("')"));
    if (input.datatype != spec->datatype)
      bad_request(std::string(label).append(": datatype ").append(input.datatype).append(" does not match the model's ").append(spec->datatype));
    bool matches = input.shape.size() == spec->shape.size();
    for (size_t d = 0; matches && d < input.shape.size(); ++d)
      matches = spec->shape[d] == -1 ? input.shape[d] > 0 : input.shape[d] == spec->shape[d];
    if (!matches)
      bad_request(std::string(label).append(": shape ").append(shape_text(input.shape)).append(" does not match the model's ").append(
          shape_text(spec->shape)));
    int64_t count = 1;
    for (const int64_t d : input.shape) {
      if (count > std::numeric_limits<int64_t>::max() / kMaxDimension) bad_request(std::string(label).append(": shape is too large"));
      count *= d;
    }
    if (count != static_cast<int64_t>(input.data.size()))
      bad_request(std::string(label).append(": shape ").append(shape_text(input.shape)).append(" holds ").append(std::to_string(count)).append(
          " values but data has ").append(std::to_string(input.data.size())));
    if (batch != -1 && input.shape[0] != batch) bad_request("inputs disagree on the batch size (the first dimension)");
    batch = input.shape[0];
  }
  return batch;
}

}  // namespace nimbus::serve
