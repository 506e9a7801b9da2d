// Synthetic data: sizes, determinism, learnability, token chains, option errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "error_text.h"
#include "models/data/synthetic.h"
#include "runtime/error.h"

namespace nimbus::data {
namespace {

Batch all_of(const Dataset& dataset) {
  std::vector<int64_t> indices(static_cast<size_t>(dataset.size()));
  std::iota(indices.begin(), indices.end(), 0);
  return dataset.gather(indices);
}

using testing::error_text;

TEST(DataSynthetic, ClassificationSizesShapesAndBalancedLabels) {
  const Splits splits = make_synthetic({.train_size = 100, .val_size = 30, .test_size = 0,
                                        .input_shape = {1, 28, 28}, .classes = 10});
  ASSERT_TRUE(splits.train && splits.val);
  EXPECT_EQ(splits.test, nullptr);
  EXPECT_EQ(splits.train->size(), 100);
  EXPECT_EQ(splits.val->size(), 30);
  EXPECT_EQ(splits.train->input_shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(splits.train->num_classes(), 10);
  EXPECT_EQ(splits.train->describe(), "synthetic train: 100 examples 1x28x28, 10 classes");
  const Batch batch = all_of(*splits.val);
  EXPECT_EQ(batch.inputs.shape(), (Shape{30, 1, 28, 28}));
  EXPECT_EQ(batch.inputs.dtype(), DType::f32);
  const std::vector<int64_t> labels = batch.targets.to_vector<int64_t>();
  for (size_t i = 0; i < labels.size(); ++i) EXPECT_EQ(labels[i], static_cast<int64_t>(i % 10));
}

TEST(DataSynthetic, SameSeedSameDataAndPartsAreIndependentOfOtherSizes) {
  const SyntheticOptions options{.seed = 4, .train_size = 50, .val_size = 10, .input_shape = {6}, .classes = 3};
  const auto train_values = [](const SyntheticOptions& o) {
    return all_of(*make_synthetic(o).train).inputs.to_vector<float>();
  };
  const std::vector<float> reference = train_values(options);
  EXPECT_EQ(train_values(options), reference);
  SyntheticOptions more_val = options;
  more_val.val_size = 77;
  EXPECT_EQ(train_values(more_val), reference);
  SyntheticOptions other_seed = options;
  other_seed.seed = 5;
  EXPECT_NE(train_values(other_seed), reference);
  // Val is not a copy of train.
  const std::vector<float> val = all_of(*make_synthetic(options).val).inputs.to_vector<float>();
  EXPECT_NE(std::vector(reference.begin(), reference.begin() + 60), val);
}

TEST(DataSynthetic, ClassesCanBeLearned) {
  // Nearest class mean, estimated on train, classifies test almost perfectly.
  const int64_t features = 20, classes = 5;
  const Splits splits = make_synthetic({.seed = 1, .train_size = 200, .val_size = 0, .test_size = 100,
                                        .input_shape = {features}, .classes = classes});
  const Batch train = all_of(*splits.train), test = all_of(*splits.test);
  const std::vector<float> x = train.inputs.to_vector<float>();
  const std::vector<int64_t> y = train.targets.to_vector<int64_t>();
  std::vector<double> means(static_cast<size_t>(classes * features), 0.0);
  std::vector<int64_t> counts(static_cast<size_t>(classes), 0);
  for (size_t i = 0; i < y.size(); ++i) {
    ++counts[static_cast<size_t>(y[i])];
    for (int64_t j = 0; j < features; ++j) means[static_cast<size_t>(y[i] * features + j)] += x[i * features + j];
  }
  for (int64_t c = 0; c < classes; ++c) {
    for (int64_t j = 0; j < features; ++j) means[static_cast<size_t>(c * features + j)] /= counts[static_cast<size_t>(c)];
  }
  const std::vector<float> tx = test.inputs.to_vector<float>();
  const std::vector<int64_t> ty = test.targets.to_vector<int64_t>();
  int correct = 0;
  for (size_t i = 0; i < ty.size(); ++i) {
    int64_t best = -1;
    double best_distance = INFINITY;
    for (int64_t c = 0; c < classes; ++c) {
      double distance = 0;
      for (int64_t j = 0; j < features; ++j) {
        const double d = tx[i * features + j] - means[static_cast<size_t>(c * features + j)];
        distance += d * d;
      }
      if (distance < best_distance) best_distance = distance, best = c;
    }
    correct += best == ty[i];
  }
  EXPECT_GE(correct, 95);
  // And the noise is really there: values are not just the class means.
  const double noise_free = std::abs(x[0] - x[static_cast<size_t>(classes * features)]);
  EXPECT_GT(noise_free, 1e-3);
}

TEST(DataSynthetic, TokensAreWindowsOfAMarkovChain) {
  const Splits splits = make_synthetic(
      {.kind = "tokens", .seed = 2, .train_size = 300, .val_size = 40, .test_size = 40, .vocab_size = 16,
       .context = 8, .successor_probability = 1.0});
  ASSERT_TRUE(splits.train && splits.val && splits.test);
  EXPECT_EQ(splits.train->size(), 300);
  EXPECT_EQ(splits.test->size(), 40);
  EXPECT_EQ(splits.train->input_shape(), (Shape{8}));
  EXPECT_EQ(splits.train->num_classes(), 16);
  EXPECT_EQ(splits.train->describe(), "synthetic train: 300 windows of 8 tokens, vocabulary 16");
  const Batch batch = all_of(*splits.train);
  ASSERT_EQ(batch.inputs.shape(), (Shape{300, 8}));
  const std::vector<int64_t> in = batch.inputs.to_vector<int64_t>(), out = batch.targets.to_vector<int64_t>();
  // Targets are the inputs shifted by one, and with probability 1 each token determines the next.
  std::map<int64_t, int64_t> successor;
  for (size_t b = 0; b < 300; ++b) {
    for (size_t t = 0; t < 8; ++t) {
      const int64_t token = in[b * 8 + t], next = out[b * 8 + t];
      ASSERT_TRUE(token >= 0 && token < 16 && next >= 0 && next < 16);
      if (t + 1 < 8) {
        EXPECT_EQ(next, in[b * 8 + t + 1]);
      }
      const auto known = successor.emplace(token, next).first;
      EXPECT_EQ(known->second, next) << "token " << token << " has two successors";
    }
  }
}

TEST(DataSynthetic, UniformTokensUseTheWholeVocabulary) {
  const Splits splits = make_synthetic({.kind = "tokens", .train_size = 500, .val_size = 0, .test_size = 0,
                                        .vocab_size = 10, .context = 4, .successor_probability = 0});
  const std::vector<int64_t> tokens = all_of(*splits.train).inputs.to_vector<int64_t>();
  std::map<int64_t, int> counts;
  for (const int64_t t : tokens) ++counts[t];
  ASSERT_EQ(counts.size(), 10u);
  for (const auto& [token, count] : counts) EXPECT_GT(count, 120) << "token " << token;  // 200 expected
  EXPECT_EQ(splits.val, nullptr);
}

TEST(DataSynthetic, InvalidOptionsNameTheOption) {
  EXPECT_EQ(error_text([] { make_synthetic({.kind = "images"}); }),
            "synthetic: kind 'images' is not one of classification, tokens");
  EXPECT_NE(error_text([] { make_synthetic({.classes = 1}); }).find("classes 1 must be in 2.."), std::string::npos);
  EXPECT_THROW(make_synthetic({.train_size = 0}), ConfigError);
  EXPECT_THROW(make_synthetic({.val_size = -1}), ConfigError);
  EXPECT_THROW(make_synthetic({.input_shape = {}}), ConfigError);
  EXPECT_THROW(make_synthetic({.input_shape = {28, 0}}), ConfigError);
  EXPECT_THROW(make_synthetic({.noise = -1}), ConfigError);
  EXPECT_THROW(make_synthetic({.train_size = int64_t{1} << 40}), ConfigError);
  EXPECT_THROW(make_synthetic({.kind = "tokens", .vocab_size = 1}), ConfigError);
  EXPECT_THROW(make_synthetic({.kind = "tokens", .context = 0}), ConfigError);
  EXPECT_THROW(make_synthetic({.kind = "tokens", .successor_probability = 1.5}), ConfigError);
  EXPECT_EQ(synthetic_kinds(), (std::vector<std::string>{"classification", "tokens"}));
}

}  // namespace
}  // namespace nimbus::data
