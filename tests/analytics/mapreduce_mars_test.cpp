// The Mars strategy on the host (Note [Mars strategy] in analytics/mapreduce/mars_phases.h) gives
// Phoenix's word count table exactly: same words, counts and order, for every word rule, any chunk
// and block size (words crossing chunk ends, blocks ending mid-file), forced hash collisions, and
// inputs from empty to a few MB of Shakespeare. Skipped when the build has no Thrust headers.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "analytics/mapreduce/jobs.h"
#include "analytics/mapreduce/mars.h"
#include "runtime/error.h"

namespace nimbus::analytics::mapreduce {
namespace {

#define NIMBUS_REQUIRE_HOST_MARS() \
  if (!mars_host_available()) GTEST_SKIP() << "the Mars strategy's host path is not built (no Thrust headers)"

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/nimbus_mars_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<std::pair<std::string, int64_t>> rows_of(const Table& t) {
  std::vector<std::pair<std::string, int64_t>> rows;
  for (int64_t r = 0; r < t.num_rows(); ++r)
    rows.emplace_back(std::string(t.column("word").string_value(r)), t.column("count").value<int64_t>(r));
  return rows;
}

Table count_words(const std::vector<std::string>& paths, TextJobOptions options, Strategy strategy,
                  int64_t block_bytes = int64_t{64} << 20) {
  options.strategy = strategy;
  TextSource source(paths, block_bytes);
  return word_count(source, options);
}

// Mars against Phoenix on `text`, for every rule, several chunk sizes and two block sizes (a small
// block costs TextSource time quadratic in the longest line, so long lines get a larger one).
void expect_same_as_phoenix(const std::string& name, const std::string& text,
                            const std::vector<int64_t>& chunks = {1, 3, 7, 256}, int64_t small_block = 5) {
  const std::string path = write_file(name, text);
  for (const WordRule rule : {WordRule::alnum_lower, WordRule::alnum, WordRule::whitespace}) {
    TextJobOptions options;
    options.rule = rule;
    const auto expected = rows_of(count_words({path}, options, Strategy::phoenix));
    for (const int64_t chunk : chunks)
      for (const int64_t block : {small_block, int64_t{64} << 20}) {
        options.mars.chunk_bytes = chunk;
        EXPECT_EQ(rows_of(count_words({path}, options, Strategy::mars, block)), expected)
            << name << ": rule " << word_rule_name(rule) << ", chunk " << chunk << ", block " << block;
      }
  }
}

TEST(MapReduceMars, SmallInputsMatchPhoenix) {
  NIMBUS_REQUIRE_HOST_MARS();
  expect_same_as_phoenix("empty", "");
  expect_same_as_phoenix("blank", "\n\n   \r\n\t\n");
  expect_same_as_phoenix("punctuation", "!!! ... ,;: -- ?? \"'()[]{}\n***\n");
  expect_same_as_phoenix("one_word", "hello");
  expect_same_as_phoenix("mixed_case", "The cat; the DOG.\r\nDon't stop: 42 cats & 42 dogs\nnaïve café\n\nthe end THE End");
  expect_same_as_phoenix("crossing", "abcdefghij abcdefghij\nabc abcdefghijk abcdefghi a b c\nxyzxyzxyzxyz");
}

TEST(MapReduceMars, LongLinesAndRandomBytesMatchPhoenix) {
  NIMBUS_REQUIRE_HOST_MARS();
  std::mt19937_64 rng(7);
  // One line of 300 KB: words of 1-12 letters from a small alphabet (many repeats), one huge word.
  std::string line;
  while (line.size() < 300000) {
    const int len = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < len; ++i) line += static_cast<char>("abcABC019"[rng() % 9]);
    line += " .,\t"[rng() % 4];
  }
  line += std::string(5000, 'z');
  expect_same_as_phoenix("long_line", line, {1, 256, 4096}, 64 << 10);
  // Any byte at all, newlines included.
  std::string bytes(200000, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() % 256);
  expect_same_as_phoenix("random_bytes", bytes, {7, 256}, 4096);
}

TEST(MapReduceMars, ForcedHashCollisionsStayExact) {
  NIMBUS_REQUIRE_HOST_MARS();
  std::string text;
  for (int i = 0; i < 5000; ++i) text.append("w").append(std::to_string(i * 7919 % 1013)).append(i % 10 ? " " : "\n");
  const std::string path = write_file("collisions.txt", text);
  TextJobOptions options;
  const auto expected = rows_of(count_words({path}, options, Strategy::phoenix));
  for (const int bits : {0, 4, 12}) {
    options.mars.hash_bits = bits;
    EXPECT_EQ(rows_of(count_words({path}, options, Strategy::mars)), expected) << bits << " hash bits";
  }
}

TEST(MapReduceMars, SeveralFilesAndTop) {
  NIMBUS_REQUIRE_HOST_MARS();
  const std::string a = write_file("a.txt", "The cat and THE dog.\nA dog, a cat; the end\n");
  const std::string b = write_file("b.txt", "zebra cat");
  TextJobOptions options;
  options.top = 3;
  const auto rows = rows_of(count_words({a, b}, options, Strategy::mars));
  const std::vector<std::pair<std::string, int64_t>> expected = {{"cat", 3}, {"the", 3}, {"a", 2}};
  EXPECT_EQ(rows, expected);
}

TEST(MapReduceMars, ShakespeareMatchesPhoenix) {
  NIMBUS_REQUIRE_HOST_MARS();
  std::ifstream in(std::string(NIMBUS_TEST_DATA_DIR) + "/../../../examples/data/tinyshakespeare.txt", std::ios::binary);
  if (!in) GTEST_SKIP() << "examples/data/tinyshakespeare.txt is not there";
  std::stringstream whole;
  whole << in.rdbuf();
  std::string text;
  for (int i = 0; i < 3; ++i) text += whole.str();  // about 3.3 MB
  const std::string path = write_file("shakespeare.txt", text);
  for (const WordRule rule : {WordRule::alnum_lower, WordRule::whitespace}) {
    TextJobOptions options;
    options.rule = rule;
    const auto expected = rows_of(count_words({path}, options, Strategy::phoenix));
    ASSERT_GT(expected.size(), 1000u);
    EXPECT_EQ(rows_of(count_words({path}, options, Strategy::mars)), expected) << word_rule_name(rule);
    EXPECT_EQ(rows_of(count_words({path}, options, Strategy::mars, 1 << 20)), expected) << "1 MB blocks";
  }
}

TEST(MapReduceMars, BlockResultAndErrors) {
  NIMBUS_REQUIRE_HOST_MARS();
  std::string text = "b a B a, c";
  const MarsWordCounts words = mars_word_count_block(text, WordRule::alnum_lower, Device::cpu());
  ASSERT_EQ(words.keys.size(), 3u);
  ASSERT_EQ(words.values.size(), 3u);
  int64_t total = 0;
  for (size_t i = 0; i < words.keys.size(); ++i) {
    total += words.values[i];
    const std::string word = text.substr(static_cast<size_t>(words.keys[i].begin), static_cast<size_t>(words.keys[i].size()));
    EXPECT_EQ(words.values[i], word == "c" ? 1 : 2) << word;
  }
  EXPECT_EQ(total, 5);
  EXPECT_EQ(text, "b a b a, c");  // lower-cased in place
  EXPECT_EQ(parse_strategy("mars"), Strategy::mars);
  EXPECT_THROW(parse_strategy("hadoop"), ConfigError);
  // Phoenix is a CPU engine.
  const std::string path = write_file("err.txt", "x");
  TextJobOptions options;
  options.device = Device::cuda(0);
  EXPECT_THROW(count_words({path}, options, Strategy::phoenix), ConfigError);
}

}  // namespace
}  // namespace nimbus::analytics::mapreduce
