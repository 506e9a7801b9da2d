// Serving a language model (Note [Token model] in serve/model_metadata.h): its metadata, the checks
// on token requests, the last position's logits, and batching that only joins equal lengths.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

#include "frontend/autograd/variable.h"
#include "runtime/error.h"
#include "serve/batcher.h"
#include "serve/http_error.h"
#include "serve/infer_request.h"
#include "exported_model_fixture.h"

namespace fs = std::filesystem;

namespace nimbus::serve {

namespace {

ModelMetadata gpt_metadata() {
  ModelMetadata m;
  m.inputs.push_back({"tokens", "INT64", {-1, -1}});
  m.outputs.push_back({"logits", "FP32", {-1, 5}});
  m.tokens = TokenModel{"abcde", 6};
  return m;
}

// The status and message of the HttpError `body` causes for the gpt, or {200, ""}.
std::pair<int, std::string> failure(const std::string& body) {
  try {
    validate_infer_request(parse_infer_request(body), gpt_metadata());
  } catch (const HttpError& e) {
    return {e.status(), e.what()};
  }
  return {200, ""};
}

std::string tokens_body(const std::string& datatype, const std::string& shape, const std::string& data) {
  std::string body = R"({"inputs": [{"name": "tokens", "datatype": ")";
  body.append(datatype).append(R"(", "shape": )").append(shape).append(R"(, "data": )").append(data).append("}]}");
  return body;
}

class TokenModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("nimbus_token_model_test_" + std::to_string(::getpid()));
    fs::remove_all(folder_);
    testing::write_exported_gpt(folder_ / "gpt" / "1");
  }
  void TearDown() override { fs::remove_all(folder_); }

  std::shared_ptr<ServedModel> load() { return ServedModel::load((folder_ / "gpt" / "1").string(), Device::cpu()); }

  fs::path folder_;
};

}  // namespace

TEST(TokenMetadata, RoundTripsTheVocabularyAndLengthThroughJson) {
  ModelMetadata m = gpt_metadata();
  m.tokens->vocabulary = std::string("\n\"\\a\x7f") + std::string(1, static_cast<char>(0x80)) + std::string(1, static_cast<char>(0xff));
  const std::string text = metadata_to_json(m);
  EXPECT_NE(text.find("\"parameters\""), std::string::npos) << text;
  const ModelMetadata back = parse_metadata_json(text, "metadata.json");
  ASSERT_TRUE(back.tokens.has_value());
  EXPECT_EQ(back.tokens->vocabulary, m.tokens->vocabulary);
  EXPECT_EQ(back.tokens->max_sequence_length, 6);
  EXPECT_EQ(back.inputs[0].shape, (std::vector<int64_t>{-1, -1}));
  // Classifiers have no parameters.
  ModelMetadata classifier;
  classifier.inputs.push_back({"input", "FP32", {-1, 4}});
  classifier.outputs.push_back({"logits", "FP32", {-1, 3}});
  EXPECT_EQ(metadata_to_json(classifier).find("parameters"), std::string::npos);
  EXPECT_FALSE(parse_metadata_json(metadata_to_json(classifier), "m").tokens.has_value());
}

TEST(TokenMetadata, TheVocabularyStringHasOneCharacterPerByte) {
  const std::string bytes = std::string("ab") + static_cast<char>(0xe9);
  EXPECT_EQ(vocabulary_to_latin1_utf8(bytes), "ab\xc3\xa9");  // U+00E9
  EXPECT_EQ(vocabulary_from_latin1_utf8("ab\xc3\xa9", "v"), bytes);
  EXPECT_THROW(vocabulary_from_latin1_utf8("\xe2\x82\xac", "v"), ParseError);  // U+20AC is no byte
  EXPECT_THROW(vocabulary_from_latin1_utf8("\xc3", "v"), ParseError);          // cut short
}

TEST(TokenRequest, AcceptsInt64AndInt32Ids) {
  EXPECT_EQ(failure(tokens_body("INT64", "[2, 3]", "[[0, 1, 2], [4, 3, 2]]")).first, 200);
  EXPECT_EQ(failure(tokens_body("INT32", "[1, 6]", "[0, 1, 2, 3, 4, 0]")).first, 200);
  EXPECT_EQ(failure(tokens_body("INT64", "[1, 2]", "[1.0, 2]")).first, 200);  // an integer written as a float
  const InferRequest r = parse_infer_request(tokens_body("INT64", "[1, 2]", "[4, 9007199254740993]"));
  EXPECT_TRUE(r.inputs[0].is_integer);
  EXPECT_EQ(r.inputs[0].ints, (std::vector<int64_t>{4, 9007199254740993}));  // exact, not through a float
}

TEST(TokenRequest, RefusesIdsOutsideTheVocabularyAndSequencesBeyondTheContext) {
  EXPECT_EQ(failure(tokens_body("INT64", "[2, 2]", "[[0, 1], [2, 5]]")),
            std::make_pair(400, std::string("input 'tokens': token id 5 at [1, 1] is outside the vocabulary [0, 5)")));
  EXPECT_EQ(failure(tokens_body("INT32", "[1, 2]", "[-1, 0]")).second,
            "input 'tokens': token id -1 at [0, 0] is outside the vocabulary [0, 5)");
  EXPECT_EQ(failure(tokens_body("INT64", "[1, 7]", "[0, 0, 0, 0, 0, 0, 0]")).second,
            "input 'tokens': sequence length 7 exceeds the model's maximum of 6");
  EXPECT_EQ(failure(tokens_body("INT64", "[1, 0]", "[]")).second,
            "input 'tokens': shape [1, 0] does not match the model's [-1, -1]");
  EXPECT_EQ(failure(tokens_body("INT64", "[3]", "[0, 1, 2]")).second,
            "input 'tokens': shape [3] does not match the model's [-1, -1]");
}

TEST(TokenRequest, RefusesOtherDatatypesAndValuesThatAreNotIntegers) {
  EXPECT_EQ(failure(tokens_body("FP32", "[1, 2]", "[0, 1]")),
            std::make_pair(400, std::string("input 'tokens': datatype FP32 does not match the model's INT64 (or INT32)")));
  EXPECT_EQ(failure(tokens_body("INT16", "[1, 2]", "[0, 1]")).second,
            "input 'tokens': datatype INT16 does not match the model's INT64 (or INT32)");
  EXPECT_EQ(failure(tokens_body("INT64", "[1, 2]", "[0, 1.5]")).second,
            "input 'tokens': data must hold integers for INT64, found 1.5");
  EXPECT_EQ(failure(tokens_body("INT32", "[1, 2]", "[0, 3000000000]")).second,
            "input 'tokens': the value 3000000000 does not fit INT32");
  EXPECT_EQ(failure(tokens_body("INT64", "[1, 2]", "[0, 18446744073709551615]")).second,
            "input 'tokens': the value 18446744073709551615 does not fit INT64");
  EXPECT_EQ(failure(tokens_body("INT64", "[1, 2]", R"([0, "a"])")).second,
            "input 'tokens': data must hold numbers, found a string");
  EXPECT_EQ(failure(tokens_body("INT64", "[2, 2]", "[0, 1]")).second,
            "input 'tokens': shape [2, 2] holds 4 values but data has 2");
}

TEST_F(TokenModelTest, LoadsAsATokenModelAndAnswersTheLastPositionsLogits) {
  const std::shared_ptr<ServedModel> model = load();
  EXPECT_TRUE(model->takes_tokens());
  EXPECT_EQ(model->output_width(), 5);
  EXPECT_EQ(model->input_width(), 6);

  // The same weights built directly: the served answer is the full logits' last position.
  Generator init(1), dropout(1);
  const std::shared_ptr<nn::Module> direct = models::build_model(testing::tiny_gpt_spec(), init, dropout);
  direct->eval();
  const std::vector<int64_t> ids = {0, 3, 1, 4};
  autograd::NoGradGuard no_grad;
  const Tensor full = (*direct)(autograd::Variable(from_vector(ids, {1, 4}))).data();  // [1, 4, 5]
  const std::vector<float> expected = full.select(1, 3).contiguous().to_vector<float>();
  EXPECT_EQ(model->run_tokens(ids, 1), expected);

  // Two sequences at once: each row its own answer (within float steps of the GEMM).
  const std::vector<float> both = model->run_tokens({0, 3, 1, 4, 2, 2, 2, 2}, 2);
  const std::vector<float> second = model->run_tokens({2, 2, 2, 2}, 1);
  ASSERT_EQ(both.size(), 10u);
  for (size_t j = 0; j < 5; ++j) {
    EXPECT_NEAR(both[j], expected[j], 1e-5);
    EXPECT_NEAR(both[5 + j], second[j], 1e-5);
  }
  EXPECT_THROW(model->run({0.f, 1.f}, 1), ShapeError);  // FP32 rows are not ids
}

TEST_F(TokenModelTest, MetadataThatDoesNotFitTheModelFailsAtLoad) {
  ModelMetadata wrong = gpt_metadata();
  wrong.tokens->vocabulary = "abcdef";  // 6 symbols for a head of 5
  std::ofstream(folder_ / "gpt" / "1" / "metadata.json") << metadata_to_json(wrong);
  EXPECT_THROW(load(), ParseError);
}

TEST_F(TokenModelTest, TheBatcherJoinsOnlySequencesOfOneLength) {
  const std::shared_ptr<ServedModel> model = load();
  constexpr int kRequests = 24;
  // Lengths 1, 2 and 3 interleaved, as mixed clients would send them.
  auto sequence = [](int i) {
    std::vector<int64_t> ids;
    for (int t = 0; t <= i % 3; ++t) ids.push_back((i + t) % 5);
    return ids;
  };
  std::vector<std::vector<float>> alone(kRequests);
  for (int i = 0; i < kRequests; ++i) alone[i] = model->run_tokens(sequence(i), 1);

  ModelMetrics metrics;
  BatchingOptions options;
  options.max_batch_size = 8;
  options.max_queue_delay_us = 200'000;  // long enough for the threads below to meet, even on a busy machine
  Batcher batcher("gpt", model, options, metrics);
  std::vector<std::vector<float>> batched(kRequests);
  std::vector<std::thread> clients;
  for (int i = 0; i < kRequests; ++i)
    clients.emplace_back([&, i] { batched[i] = batcher.infer_tokens(sequence(i), 1); });
  for (std::thread& t : clients) t.join();
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(batched[i].size(), 5u);
    for (size_t j = 0; j < 5; ++j) EXPECT_NEAR(batched[i][j], alone[i][j], 1e-5) << "request " << i;
  }
  EXPECT_EQ(metrics.inferences.load(), static_cast<uint64_t>(kRequests));
  EXPECT_LT(metrics.executions.load(), static_cast<uint64_t>(kRequests));
}

}  // namespace nimbus::serve
