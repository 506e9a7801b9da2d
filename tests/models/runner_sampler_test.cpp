// Sampling text from a language model: length, vocabulary, seeding and temperature.
#include <gtest/gtest.h>

#include "models/runner/sampler.h"
#include "models/zoo/model_zoo.h"
#include "runtime/error.h"

namespace nimbus::models {
namespace {

struct TinyGpt {
  data::Vocabulary vocabulary = data::Vocabulary::of_text("\nabcdefgh !");
  Generator init{1}, dropout{2};
  std::shared_ptr<nn::Module> model;
  TinyGpt() {
    ModelSpec spec;
    spec.kind = "gpt";
    spec.layers = 1;
    spec.heads = 2;
    spec.width = 16;
    spec.context = 8;
    spec.input_shape = {8};
    spec.classes = vocabulary.size();
    model = build_model(spec, init, dropout);
  }
  std::string sample(const std::string& prompt, SampleOptions o) {
    return sample_text(*model, vocabulary, 8, prompt, o, Device::cpu());
  }
};

TEST(RunnerSampler, ContinuesThePromptWithinTheVocabulary) {
  TinyGpt gpt;
  SampleOptions o;
  o.tokens = 30;  // longer than the context: the window slides
  const std::string text = gpt.sample("abc", o);
  ASSERT_EQ(text.size(), 33u);
  EXPECT_EQ(text.substr(0, 3), "abc");
  for (const char c : text) EXPECT_TRUE(gpt.vocabulary.contains(c)) << int(c);
  EXPECT_EQ(gpt.sample("", o).size(), 30u);  // no prompt: only the generated characters
}

TEST(RunnerSampler, TheSeedDecidesTheText) {
  TinyGpt gpt;
  SampleOptions o;
  o.tokens = 40;
  o.seed = 5;
  const std::string a = gpt.sample("a", o), b = gpt.sample("a", o);
  EXPECT_EQ(a, b);
  o.seed = 6;
  EXPECT_NE(gpt.sample("a", o), a);  // 40 draws from 11 symbols: equal only by a 1e-40 chance
}

TEST(RunnerSampler, LowTemperatureIsGreedy) {
  // At a tiny temperature every draw takes the most likely character, whatever the seed.
  TinyGpt gpt;
  SampleOptions o;
  o.tokens = 20;
  o.temperature = 1e-6;
  o.seed = 1;
  const std::string a = gpt.sample("ab", o);
  o.seed = 2;
  EXPECT_EQ(gpt.sample("ab", o), a);
}

TEST(RunnerSampler, BadInputIsNamed) {
  TinyGpt gpt;
  SampleOptions o;
  EXPECT_THROW(gpt.sample("xyz", o), ParseError);  // not in the vocabulary
  o.temperature = 0;
  EXPECT_THROW(gpt.sample("a", o), ConfigError);
}

}  // namespace
}  // namespace nimbus::models
