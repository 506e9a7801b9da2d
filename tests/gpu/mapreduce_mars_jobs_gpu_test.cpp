// Grep and the inverted index with the Mars strategy on cuda:0 (analytics/cuda/mapreduce_mars_grep.cu
// and mapreduce_mars_index.cu) against Phoenix on the CPU: the same table, row for row, for every
// word rule, several chunk sizes, forced hash collisions (the exact fallback), blocks that split
// the input, several files and a few MB of Shakespeare. Skipped without a CUDA device.
// Filter: --gtest_filter='MapReduceMarsJobsGpu*'.
#include <gtest/gtest.h>

#if NIMBUS_TEST_ANALYTICS
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "analytics/mapreduce/jobs.h"
#include "analytics/mapreduce/mars.h"
#include "analytics/mapreduce_mars_parity.h"
#include "gpu/parity_harness.h"

namespace nimbus::analytics::mapreduce {
namespace {

using gpu_parity::examples_dir;
using gpu_parity::gpu;
using mars_parity::job_name;
using mars_parity::run_job;
using mars_parity::TextJob;
using mars_parity::write_file;

void expect_gpu_same_as_cpu(TextJob job, const std::vector<std::string>& paths, const std::string& pattern = "") {
  for (const WordRule rule : {WordRule::alnum_lower, WordRule::alnum, WordRule::whitespace}) {
    if (job == TextJob::grep && rule != WordRule::alnum_lower) continue;  // grep reads lines, not words
    TextJobOptions options;
    options.rule = rule;
    const auto expected = run_job(job, paths, options, Strategy::phoenix, Device::cpu(), pattern);
    for (const int64_t chunk : {1, 7, 256})
      for (const int bits : {64, 0}) {
        options.mars.chunk_bytes = chunk;
        options.mars.hash_bits = bits;
        EXPECT_EQ(run_job(job, paths, options, Strategy::mars, gpu(), pattern), expected)
            << job_name(job) << " over " << paths[0] << ": rule " << word_rule_name(rule) << ", chunk " << chunk << ", "
            << bits << " hash bits";
      }
    options.mars = {};
    EXPECT_EQ(run_job(job, paths, options, Strategy::mars, gpu(), pattern, 4096), expected)
        << job_name(job) << " over " << paths[0] << ": 4 KB blocks";
  }
}

TEST(MapReduceMarsJobsGpu, SmallInputsMatchTheCpu) {
  NIMBUS_REQUIRE_GPU();
  const std::string empty = write_file("gpu_empty.txt", "");
  const std::string mixed =
      write_file("gpu_mixed.txt", "The cat; the DOG.\r\nDon't stop: 42 cats & 42 dogs\nnaïve café\n\nthe end THE End");
  const std::string repeats = write_file("gpu_repeats.txt", "a a a\nb a\n\na\r\nA a. a\nthe cat\r");
  for (const TextJob job : {TextJob::grep, TextJob::inverted_index}) {
    expect_gpu_same_as_cpu(job, {empty}, "the");
    expect_gpu_same_as_cpu(job, {mixed, empty, repeats}, "the");
  }
  expect_gpu_same_as_cpu(TextJob::grep, {mixed, repeats}, "a\r");
}

TEST(MapReduceMarsJobsGpu, RandomTextAndLongWordsMatchTheCpu) {
  NIMBUS_REQUIRE_GPU();
  std::mt19937_64 rng(17);
  std::string text;
  while (text.size() < 300000) {
    const int len = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < len; ++i) text += "abcABC019\xe9"[rng() % 10];
    text += " .,\t\n\r\n"[rng() % 6];
  }
  text.append(std::string(10000, 'q')).append("\n").append(std::string(10000, 'q')).append("r");
  const std::string path = write_file("gpu_random.txt", text);
  expect_gpu_same_as_cpu(TextJob::grep, {path}, "ab");
  expect_gpu_same_as_cpu(TextJob::inverted_index, {path});
}

TEST(MapReduceMarsJobsGpu, ShakespeareMatchesTheCpu) {
  NIMBUS_REQUIRE_GPU();
  std::ifstream in(examples_dir() + "/data/tinyshakespeare.txt", std::ios::binary);
  if (!in) GTEST_SKIP() << "examples/data/tinyshakespeare.txt is not there";
  std::stringstream whole;
  whole << in.rdbuf();
  std::string text;
  for (int i = 0; i < 4; ++i) text += whole.str();
  const std::string path = write_file("gpu_shakespeare.txt", text);
  for (const TextJob job : {TextJob::grep, TextJob::inverted_index}) {
    const TextJobOptions options;
    const auto expected = run_job(job, {path}, options, Strategy::phoenix, Device::cpu(), "the");
    EXPECT_EQ(run_job(job, {path}, options, Strategy::mars, gpu(), "the"), expected) << job_name(job);
    EXPECT_EQ(run_job(job, {path}, options, Strategy::mars, gpu(), "the", 1 << 20), expected)
        << job_name(job) << ": 1 MB blocks";
  }
}

// Needs only the module to load (it does without a driver), so this one runs on CPU-only machines.
TEST(MapReduceMarsJobsGpu, TheModuleRegistersEveryJob) {
  if (find_backend(DeviceType::cuda) == nullptr) GTEST_SKIP() << "the CUDA module did not load: " << cuda_backend_status();
  const MarsDeviceOps* ops = mars_device_ops(DeviceType::cuda);
  ASSERT_NE(ops, nullptr);
  EXPECT_NE(ops->grep_count, nullptr);
  EXPECT_NE(ops->inverted_index, nullptr);
}

}  // namespace
}  // namespace nimbus::analytics::mapreduce
#endif  // NIMBUS_TEST_ANALYTICS
