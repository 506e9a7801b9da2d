// Grep and the inverted index with the Mars strategy on the host (MarsGrepCountJob and
// MarsInvertedIndexJob in analytics/mapreduce/mars_jobs.h) give Phoenix's tables exactly, as word
// count does (mapreduce_mars_test.cpp): on edge cases (empty input, no trailing newline, CRLF,
// words and lines crossing task ends, very long words and lines, several files, forced hash
// collisions) and on random text, for every word rule, several chunk and block sizes. Skipped
// when the build has no Thrust headers.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "analytics/mapreduce/jobs.h"
#include "analytics/mapreduce/mars.h"
#include "mapreduce_mars_parity.h"
#include "runtime/error.h"

namespace nimbus::analytics::mapreduce {
namespace {

using mars_parity::job_name;
using mars_parity::run_job;
using mars_parity::TextJob;
using mars_parity::write_file;

#define NIMBUS_REQUIRE_HOST_MARS() \
  if (!mars_host_available()) GTEST_SKIP() << "the Mars strategy's host path is not built (no Thrust headers)"

struct Sweep {
  std::vector<int64_t> chunks = {1, 3, 7, 256};
  std::vector<int> hash_bits = {64, 0};
  int64_t small_block = 5;  // bytes; long lines need more (TextSource is quadratic in them)
};

// Mars against Phoenix for `job` over `paths`: every word rule, chunk size, hash width and two
// block sizes. Returns Phoenix's rows under the default rule, for spot checks.
std::vector<std::string> expect_same_as_phoenix(TextJob job, const std::vector<std::string>& paths,
                                                const std::string& pattern = "", const Sweep& sweep = {}) {
  std::vector<std::string> default_rows;
  for (const WordRule rule : {WordRule::alnum_lower, WordRule::alnum, WordRule::whitespace}) {
    if (job == TextJob::grep && rule != WordRule::alnum_lower) continue;  // grep reads lines, not words
    TextJobOptions options;
    options.rule = rule;
    const auto expected = run_job(job, paths, options, Strategy::phoenix, Device::cpu(), pattern);
    if (rule == WordRule::alnum_lower) default_rows = expected;
    for (const int64_t chunk : sweep.chunks)
      for (const int bits : sweep.hash_bits)
        for (const int64_t block : {sweep.small_block, int64_t{64} << 20}) {
          options.mars.chunk_bytes = chunk;
          options.mars.hash_bits = bits;
          EXPECT_EQ(run_job(job, paths, options, Strategy::mars, Device::cpu(), pattern, block), expected)
              << job_name(job) << " over " << paths[0] << ": rule " << word_rule_name(rule) << ", chunk " << chunk
              << ", " << bits << " hash bits, block " << block;
        }
  }
  return default_rows;
}

const std::string kMixed = "The cat; the DOG.\r\nDon't stop: 42 cats & 42 dogs\nnaïve café\n\nthe end THE End";

TEST(MapReduceMarsJobs, GrepEdgeCasesMatchPhoenix) {
  NIMBUS_REQUIRE_HOST_MARS();
  const std::string empty = write_file("empty.txt", "");
  const std::string lines = write_file("lines.txt", "apple pie\nbanana\napple apple\n\napplesauce");
  const std::string crlf = write_file("crlf.txt", "x apple\r\napple\r\r\n\r\nno\r\nappl\re\napple\r");
  const std::string blank = write_file("blank.txt", "\n\n\n");
  for (const std::string pattern : {"apple", "a", "pple\n", "\r", "e\r", "apple apple", "banana split", "\xc3"}) {
    expect_same_as_phoenix(TextJob::grep, {lines, empty, crlf, blank}, pattern);
    expect_same_as_phoenix(TextJob::grep, {empty}, pattern);
  }
  // Overlapping matches count a line once; files without a match report zero.
  const auto rows = expect_same_as_phoenix(TextJob::grep, {lines, empty, blank}, "p");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], lines + "|3");
  EXPECT_EQ(rows[1], empty + "|0");
}

TEST(MapReduceMarsJobs, GrepLongLinesAndTaskEnds) {
  NIMBUS_REQUIRE_HOST_MARS();
  // Matches straddling every chunk end, a 100 KB line holding one match at its very end, and a
  // line made only of the pattern.
  std::string text;
  for (int i = 0; i < 200; ++i) text.append(std::string(static_cast<size_t>(i % 9), '.')).append("needle\n");
  text.append(std::string(100000, 'h')).append("needle\nneedle");
  const std::string path = write_file("needles.txt", text);
  Sweep sweep;
  sweep.chunks = {1, 5, 64, 4096};
  sweep.small_block = 256 << 10;
  const auto rows = expect_same_as_phoenix(TextJob::grep, {path}, "needle", sweep);
  EXPECT_EQ(rows, std::vector<std::string>{path + "|202"});
  expect_same_as_phoenix(TextJob::grep, {path}, std::string(5000, 'h'), sweep);
}

TEST(MapReduceMarsJobs, InvertedIndexEdgeCasesMatchPhoenix) {
  NIMBUS_REQUIRE_HOST_MARS();
  const std::string empty = write_file("ii_empty.txt", "");
  const std::string punctuation = write_file("ii_punct.txt", "!!! ... ,;: -- ?? \"'()[]{}\n***\n");
  const std::string mixed = write_file("ii_mixed.txt", kMixed);
  const std::string repeats = write_file("ii_repeats.txt", "a a a\nb a\n\na\r\nA a. a\n");
  const std::string crossing =
      write_file("ii_crossing.txt", "abcdefghij abcdefghij\nabc abcdefghijk abcdefghi a b c\nxyzxyzxyzxyz");
  expect_same_as_phoenix(TextJob::inverted_index, {empty});
  expect_same_as_phoenix(TextJob::inverted_index, {punctuation});
  expect_same_as_phoenix(TextJob::inverted_index, {mixed, empty, punctuation});
  expect_same_as_phoenix(TextJob::inverted_index, {crossing});
  const auto rows = expect_same_as_phoenix(TextJob::inverted_index, {repeats, mixed});
  ASSERT_GT(rows.size(), 1u);
  EXPECT_EQ(rows[0], "42|1|2:2");               // sorted by word
  EXPECT_EQ(rows[1], "a|4|1:1 1:2 1:4 1:5");  // a word repeated on a line is one posting
}

TEST(MapReduceMarsJobs, InvertedIndexLongWordsAndCollisions) {
  NIMBUS_REQUIRE_HOST_MARS();
  std::string text;
  for (int i = 0; i < 3000; ++i) text.append("w").append(std::to_string(i * 7919 % 613)).append(i % 7 ? " " : "\n");
  text.append(std::string(20000, 'z')).append(" ").append(std::string(20000, 'z')).append("\n");
  text.append(std::string(20000, 'z')).append("y");  // shares a 20000-byte prefix with the word above
  const std::string path = write_file("ii_long.txt", text);
  Sweep sweep;
  sweep.chunks = {1, 4096};
  sweep.hash_bits = {64, 4, 0};
  sweep.small_block = 64 << 10;
  expect_same_as_phoenix(TextJob::inverted_index, {path}, "", sweep);
  expect_same_as_phoenix(TextJob::word_count, {path}, "", sweep);
}

// Random text from a small alphabet (many repeats, every separator, CR, bytes >= 0x80), in
// several files, some without a trailing newline: all three jobs.
TEST(MapReduceMarsJobs, RandomTextMatchesPhoenix) {
  NIMBUS_REQUIRE_HOST_MARS();
  std::mt19937_64 rng(2024);
  for (int round = 0; round < 2; ++round) {
    std::vector<std::string> paths;
    for (int file = 0; file < 3; ++file) {
      std::string text;
      const size_t size = static_cast<size_t>(rng() % 6000);
      while (text.size() < size) {
        const int len = 1 + static_cast<int>(rng() % 6);
        for (int i = 0; i < len; ++i) text += "abAB01\xe9"[rng() % 7];
        text += " .,\t\n\n\r\n"[rng() % 8];
      }
      if (rng() % 2) text += "ab";
      paths.push_back(write_file("random_" + std::to_string(round) + "_" + std::to_string(file), text));
    }
    Sweep sweep;
    sweep.chunks = {1, 13, 256};
    sweep.small_block = 1024;
    for (const TextJob job : {TextJob::word_count, TextJob::grep, TextJob::inverted_index})
      expect_same_as_phoenix(job, paths, job == TextJob::grep ? "ab" : "", sweep);
  }
}

TEST(MapReduceMarsJobs, BlockResults) {
  NIMBUS_REQUIRE_HOST_MARS();
  std::string text = "b a\nB a, c\r\nA\n";
  const MarsPostings index = mars_inverted_index_block(text, 10, WordRule::alnum_lower, Device::cpu());
  EXPECT_EQ(text, "b a\nb a, c\r\na\n");  // lower-cased in place
  ASSERT_EQ(index.keys.size(), 3u);
  ASSERT_EQ(index.group_sizes.size(), 3u);
  size_t at = 0;
  for (size_t i = 0; i < index.keys.size(); ++i) {
    const std::string word = text.substr(static_cast<size_t>(index.keys[i].begin), static_cast<size_t>(index.keys[i].size()));
    std::vector<int64_t> lines(index.values.begin() + static_cast<long>(at),
                               index.values.begin() + static_cast<long>(at + static_cast<size_t>(index.group_sizes[i])));
    at += static_cast<size_t>(index.group_sizes[i]);
    const std::vector<int64_t> expected =
        word == "a" ? std::vector<int64_t>{10, 11, 12} : word == "b" ? std::vector<int64_t>{10, 11} : std::vector<int64_t>{11};
    EXPECT_EQ(lines, expected) << word;
  }
  EXPECT_EQ(at, index.values.size());
  std::string lines = "needle\nhay\nneedle needle\r\n";
  const MarsGrepCounts grep = mars_grep_count_block(lines, 4, "needle", Device::cpu());
  EXPECT_EQ(grep.keys, std::vector<int64_t>{4});
  EXPECT_EQ(grep.values, std::vector<int64_t>{2});
  EXPECT_TRUE(grep.group_sizes.empty());
}

TEST(MapReduceMarsJobs, Errors) {
  NIMBUS_REQUIRE_HOST_MARS();
  const std::string path = write_file("errors.txt", "x\n");
  TextJobOptions options;
  options.strategy = Strategy::mars;
  TextSource source({path});
  EXPECT_THROW(grep_count(source, "", options), ConfigError);
  // Phoenix is a CPU engine.
  for (const TextJob job : {TextJob::grep, TextJob::inverted_index}) {
    TextJobOptions on_gpu;
    EXPECT_THROW(run_job(job, {path}, on_gpu, Strategy::phoenix, Device::cuda(0), "x"), ConfigError) << job_name(job);
  }
}

}  // namespace
}  // namespace nimbus::analytics::mapreduce
