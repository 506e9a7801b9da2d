#include "serve/infer_request.h"

#include <gtest/gtest.h>

#include "serve/http_error.h"

namespace nimbus::serve {

namespace {

ModelMetadata digits_metadata() {
  ModelMetadata m;
  m.inputs.push_back({"input", "FP32", {-1, 4}});
  m.outputs.push_back({"logits", "FP32", {-1, 3}});
  return m;
}

// The status and message of the HttpError `body` causes when parsed and validated.
std::pair<int, std::string> failure(const std::string& body) {
  try {
    validate_infer_request(parse_infer_request(body), digits_metadata());
  } catch (const HttpError& e) {
    return {e.status(), e.what()};
  }
  return {200, ""};
}

}  // namespace

TEST(InferRequest, ParsesFlatAndNestedDataAlike) {
  const InferRequest flat = parse_infer_request(
      R"({"id": "7", "inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8.5]}]})");
  const InferRequest nested = parse_infer_request(
      R"({"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [[1, 2, 3, 4], [5, 6, 7, 8.5]]}]})");
  ASSERT_EQ(flat.id, "7");
  EXPECT_FALSE(nested.id.has_value());
  EXPECT_EQ(flat.inputs[0].data, nested.inputs[0].data);
  EXPECT_EQ(flat.inputs[0].data.back(), 8.5f);
  EXPECT_EQ(validate_infer_request(flat, digits_metadata()), 2);
}

TEST(InferRequest, IgnoresParametersAndRequestedOutputs) {
  const InferRequest r = parse_infer_request(
      R"({"parameters": {}, "outputs": [{"name": "logits"}],
          "inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4], "parameters": {}}]})");
  EXPECT_EQ(validate_infer_request(r, digits_metadata()), 1);
}

TEST(InferRequest, MalformedBodiesAreBadRequestsNamingTheProblem) {
  EXPECT_EQ(failure("{\"inputs\": [").first, 400);
  EXPECT_NE(failure("{\"inputs\": [").second.find("malformed JSON"), std::string::npos);
  EXPECT_EQ(failure("").first, 400);
  EXPECT_EQ(failure("[1, 2]").second, "the request body must be a JSON object");
  EXPECT_EQ(failure("{}").second, "the request: missing \"inputs\"");
  EXPECT_EQ(failure(R"({"inputs": []})").second, "\"inputs\" is empty");
  EXPECT_EQ(failure(R"({"id": 3, "inputs": []})").second, "\"id\" must be a string, not a number");
  EXPECT_EQ(failure(R"({"inputs": [{"shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]})").second,
            "inputs[0]: missing \"name\"");
  EXPECT_EQ(failure(R"({"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, "2", 3, 4]}]})").second,
            "input 'input': data must hold numbers, found a string");
  EXPECT_EQ(failure(R"({"inputs": [{"name": "input", "shape": [1, -4], "datatype": "FP32", "data": [1]}]})").second,
            "input 'input': shape must hold sizes from 0 to 2^31");
  EXPECT_EQ(failure(R"({"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1e300, 2, 3, 4]}]})").first, 400);
}

TEST(InferRequest, ChecksNamesDatatypesAndShapesAgainstTheModel) {
  EXPECT_EQ(failure(R"({"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]})").second,
            "unknown input 'x' (the model takes 'input')");
  EXPECT_EQ(failure(R"({"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [1, 2, 3, 4]}]})").second,
            "input 'input': datatype FP64 does not match the model's FP32");
  EXPECT_EQ(failure(R"({"inputs": [{"name": "input", "shape": [1, 5], "datatype": "FP32", "data": [1, 2, 3, 4, 5]}]})").second,
            "input 'input': shape [1, 5] does not match the model's [-1, 4]");
  EXPECT_EQ(failure(R"({"inputs": [{"name": "input", "shape": [4], "datatype": "FP32", "data": [1, 2, 3, 4]}]})").second,
            "input 'input': shape [4] does not match the model's [-1, 4]");
  EXPECT_EQ(failure(R"({"inputs": [{"name": "input", "shape": [0, 4], "datatype": "FP32", "data": []}]})").second,
            "input 'input': shape [0, 4] does not match the model's [-1, 4]");
  EXPECT_EQ(failure(R"({"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]})").second,
            "input 'input': shape [2, 4] holds 8 values but data has 4");
  EXPECT_EQ(failure(R"({"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]},
                                    {"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]})").second,
            "expected 1 input(s), got 2");
}

TEST(InferRequest, DeeplyNestedDataIsRefusedNotFollowed) {
  std::string data(40, '[');
  data += "1" + std::string(40, ']');
  const std::string body = R"({"inputs": [{"name": "input", "shape": [1, 1], "datatype": "FP32", "data": )" + data + "}]}";
  EXPECT_EQ(failure(body).second, "input 'input': data is nested deeper than 32");
}

}  // namespace nimbus::serve
