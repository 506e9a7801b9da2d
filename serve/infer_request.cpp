#include "serve/infer_request.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>
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

// The range of an integer datatype; nullopt for the others.
std::optional<std::pair<int64_t, int64_t>> integer_range(std::string_view datatype) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (datatype == "INT8") return std::pair<int64_t, int64_t>{-128, 127};
  if (datatype == "INT16") return std::pair<int64_t, int64_t>{-32768, 32767};
  if (datatype == "INT32")
    return std::pair<int64_t, int64_t>{std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
  if (datatype == "INT64") return std::pair<int64_t, int64_t>{std::numeric_limits<int64_t>::min(), kMax};
  if (datatype == "UINT8") return std::pair<int64_t, int64_t>{0, 255};
  if (datatype == "UINT16") return std::pair<int64_t, int64_t>{0, 65535};
  if (datatype == "UINT32") return std::pair<int64_t, int64_t>{0, std::numeric_limits<uint32_t>::max()};
  if (datatype == "UINT64") return std::pair<int64_t, int64_t>{0, kMax};  // ids past 2^63 fit no model
  return std::nullopt;
}

// Integer data is kept exact: token ids must not pass through FP32. A number with a fraction (or
// out of the datatype's range) is noted in `problem`, the first one only, and reported after the
// datatype has been checked against the model's, which is the more useful message when both fail.
void flatten_integers(element value, int depth, const std::string& name, const std::string& datatype,
                      std::pair<int64_t, int64_t> range, std::vector<int64_t>& out, std::string& problem) {
  const element_type type = value.type();
  if (type == element_type::ARRAY) {
    if (depth >= kMaxDataDepth)
      bad_request(input_label(name).append(": data is nested deeper than ").append(std::to_string(kMaxDataDepth)));
    const simdjson::dom::array items = value.get_array().value_unsafe();
    for (const element item : items) flatten_integers(item, depth + 1, name, datatype, range, out, problem);
    return;
  }
  int64_t number = 0;
  std::string text;
  if (type == element_type::INT64) {
    number = value.get_int64().value_unsafe();
    text = std::to_string(number);
  } else if (type == element_type::UINT64) {
    number = range.second;
    text = std::to_string(value.get_uint64().value_unsafe());
    if (problem.empty()) problem = std::string("the value ").append(text).append(" does not fit ").append(datatype);
  } else if (type == element_type::DOUBLE) {
    // 3.0 is an integer written by a JSON encoder that keeps floats; 2.5 is not.
    const double d = value.get_double().value_unsafe();
    const bool integral = std::isfinite(d) && std::trunc(d) == d && std::abs(d) < 0x1p63;
    number = integral ? static_cast<int64_t>(d) : 0;
    char buffer[32];
    text.assign(buffer, std::to_chars(buffer, buffer + sizeof(buffer), d).ptr);  // 2.5, not 2.500000
    if (!integral && problem.empty())
      problem = std::string("data must hold integers for ").append(datatype).append(", found ").append(text);
  } else {
    bad_request(input_label(name).append(": data must hold numbers, found ").append(type_name(type)));
  }
  if ((number < range.first || number > range.second) && problem.empty())
    problem = std::string("the value ").append(text).append(" does not fit ").append(datatype);
  out.push_back(number);
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
  const element data = field(object, "data", element_type::ARRAY, label);
  if (const auto range = integer_range(input.datatype)) {
    input.is_integer = true;
    flatten_integers(data, 0, input.name, input.datatype, *range, input.ints, input.integer_problem);
  } else {
    flatten(data, 0, input.name, input.data);
  }
  return input;
}

// Token models (Note [Token model]): the length within the context, every id in the vocabulary.
void validate_tokens(const InferInput& input, const TokenModel& tokens) {
  const std::string label = input_label(input.name);
  const int64_t length = input.shape[1];
  if (length > tokens.max_sequence_length)
    bad_request(std::string(label).append(": sequence length ").append(std::to_string(length)).append(
        " exceeds the model's maximum of ").append(std::to_string(tokens.max_sequence_length)));
  const auto vocab = static_cast<int64_t>(tokens.vocabulary.size());
  for (size_t i = 0; i < input.ints.size(); ++i) {
    if (input.ints[i] >= 0 && input.ints[i] < vocab) continue;
    const auto flat = static_cast<int64_t>(i);
    bad_request(std::string(label).append(": token id ").append(std::to_string(input.ints[i])).append(" at [").append(
        std::to_string(flat / length)).append(", ").append(std::to_string(flat % length)).append(
        "] is outside the vocabulary [0, ").append(std::to_string(vocab)).append(")"));
  }
}

}  // namespace

bool is_integer_datatype(std::string_view datatype) { return integer_range(datatype).has_value(); }

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
    // Token ids come as INT64 or INT32 alike: both are exact, and clients differ in which they send.
    const bool token_input = metadata.tokens.has_value();
    const bool datatype_ok = input.datatype == spec->datatype || (token_input && input.datatype == "INT32");
    if (!datatype_ok)
      bad_request(std::string(label).append(": datatype ").append(input.datatype).append(" does not match the model's ").append(
          spec->datatype).append(token_input ? " (or INT32)" : ""));
    if (!input.integer_problem.empty()) bad_request(std::string(label).append(": ").append(input.integer_problem));
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
    if (count != static_cast<int64_t>(input.value_count()))
      bad_request(std::string(label).append(": shape ").append(shape_text(input.shape)).append(" holds ").append(std::to_string(count)).append(
          " values but data has ").append(std::to_string(input.value_count())));
    if (token_input) validate_tokens(input, *metadata.tokens);
    if (batch != -1 && input.shape[0] != batch) bad_request("inputs disagree on the batch size (the first dimension)");
    batch = input.shape[0];
  }
  return batch;
}

}  // namespace nimbus::serve
