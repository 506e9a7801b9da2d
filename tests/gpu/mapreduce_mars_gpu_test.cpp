// Word count with the Mars strategy on cuda:0 (analytics/cuda/mapreduce_mars.cu) against Phoenix on
// the CPU: the same table, row for row, for every word rule, several chunk sizes, forced hash
// collisions (the exact fallback), blocks that split the input, and a few MB of Shakespeare.
// Skipped without a CUDA device. Filter: --gtest_filter='MapReduceMarsGpu*'.
#include <gtest/gtest.h>

#if NIMBUS_TEST_ANALYTICS
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "analytics/mapreduce/jobs.h"
#include "analytics/mapreduce/mars.h"
#include "gpu/parity_harness.h"

namespace nimbus::analytics::mapreduce {
namespace {

using gpu_parity::examples_dir;
using gpu_parity::gpu;

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/nimbus_mars_gpu_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<std::pair<std::string, int64_t>> rows_of(const Table& t) {
  std::vector<std::pair<std::string, int64_t>> rows;
  for (int64_t r = 0; r < t.num_rows(); ++r)
    rows.emplace_back(std::string(t.column("word").string_value(r)), t.column("count").value<int64_t>(r));
  return rows;
}

Table count_words(const std::string& path, TextJobOptions options, Strategy strategy, Device device,
                  int64_t block_bytes = int64_t{64} << 20) {
  options.strategy = strategy;
  options.device = device;
  TextSource source({path}, block_bytes);
  return word_count(source, options);
}

void expect_gpu_same_as_cpu(const std::string& name, const std::string& text) {
  const std::string path = write_file(name, text);
  for (const WordRule rule : {WordRule::alnum_lower, WordRule::alnum, WordRule::whitespace}) {
    TextJobOptions options;
    options.rule = rule;
    const auto expected = rows_of(count_words(path, options, Strategy::phoenix, Device::cpu()));
    for (const int64_t chunk : {1, 7, 256}) {
      for (const int bits : {64, 4}) {
        options.mars.chunk_bytes = chunk;
        options.mars.hash_bits = bits;
        EXPECT_EQ(rows_of(count_words(path, options, Strategy::mars, gpu())), expected)
            << name << ": rule " << word_rule_name(rule) << ", chunk " << chunk << ", " << bits << " hash bits";
      }
    }
    options.mars = {};
    EXPECT_EQ(rows_of(count_words(path, options, Strategy::mars, gpu(), 4096)), expected) << name << ": 4 KB blocks";
  }
}

TEST(MapReduceMarsGpu, SmallInputsMatchTheCpu) {
  NIMBUS_REQUIRE_GPU();
  expect_gpu_same_as_cpu("empty", "");
  expect_gpu_same_as_cpu("punctuation", "!!! ... ,;:\n\r\n");
  expect_gpu_same_as_cpu("one_word", "hello");
  expect_gpu_same_as_cpu("mixed", "The cat; the DOG.\r\nDon't stop: 42 cats & 42 dogs\nnaïve café\n\nthe end THE End");
}

TEST(MapReduceMarsGpu, RandomBytesAndLongWordsMatchTheCpu) {
  NIMBUS_REQUIRE_GPU();
  std::mt19937_64 rng(11);
  std::string text;
  while (text.size() < 400000) {
    const int len = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < len; ++i) text += static_cast<char>("abcABC019\xe9"[rng() % 10]);
    text += " .,\t\n"[rng() % 5];
  }
  text += std::string(10000, 'q');
  expect_gpu_same_as_cpu("random", text);
}

TEST(MapReduceMarsGpu, ShakespeareMatchesTheCpu) {
  NIMBUS_REQUIRE_GPU();
  std::ifstream in(examples_dir() + "/data/tinyshakespeare.txt", std::ios::binary);
  if (!in) GTEST_SKIP() << "examples/data/tinyshakespeare.txt is not there";
  std::stringstream whole;
  whole << in.rdbuf();
  std::string text;
  for (int i = 0; i < 4; ++i) text += whole.str();
  const std::string path = write_file("shakespeare.txt", text);
  TextJobOptions options;
  const auto expected = rows_of(count_words(path, options, Strategy::phoenix, Device::cpu()));
  EXPECT_EQ(rows_of(count_words(path, options, Strategy::mars, gpu())), expected);
  EXPECT_EQ(rows_of(count_words(path, options, Strategy::mars, gpu(), 1 << 20)), expected) << "1 MB blocks";
}

// Needs only the module to load (it does without a driver), so this one runs on CPU-only machines.
TEST(MapReduceMarsGpu, TheModuleRegistersTheStrategy) {
  if (find_backend(DeviceType::cuda) == nullptr) GTEST_SKIP() << "the CUDA module did not load: " << cuda_backend_status();
  const MarsDeviceOps* ops = mars_device_ops(DeviceType::cuda);
  ASSERT_NE(ops, nullptr);
  EXPECT_NE(ops->word_count, nullptr);
}

}  // namespace
}  // namespace nimbus::analytics::mapreduce
#endif  // NIMBUS_TEST_ANALYTICS
