#pragma once
// Running a built-in text job with either strategy and comparing the tables exactly: shared by the
// Mars tests on the host (tests/analytics) and on a GPU (tests/gpu).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "analytics/mapreduce/jobs.h"

namespace nimbus::analytics::mapreduce::mars_parity {

enum class TextJob { word_count, grep, inverted_index };

inline const char* job_name(TextJob job) {
  switch (job) {
    case TextJob::word_count: return "word count";
    case TextJob::grep: return "grep";
    case TextJob::inverted_index: return "inverted index";
  }
  return "";
}

// `text` in a fresh file under the test's temporary folder.
inline std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/nimbus_mars_parity_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// Every row of `table`, its cells joined by '|', in the table's order.
inline std::vector<std::string> rows_of(const Table& table) {
  std::vector<std::string> rows;
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    std::string row;
    for (int64_t c = 0; c < table.num_columns(); ++c) {
      const Column& column = table.column(c);
      if (c > 0) row += '|';
      if (column.type() == DataType::int64) row += std::to_string(column.value<int64_t>(r));
      else row += column.string_value(r);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

inline std::vector<std::string> run_job(TextJob job, const std::vector<std::string>& paths, TextJobOptions options,
                                        Strategy strategy, Device device = Device::cpu(),
                                        const std::string& pattern = "", int64_t block_bytes = int64_t{64} << 20) {
  options.strategy = strategy;
  options.device = device;
  TextSource source(paths, block_bytes);
  switch (job) {
    case TextJob::word_count: return rows_of(word_count(source, options));
    case TextJob::grep: return rows_of(grep_count(source, pattern, options));
    case TextJob::inverted_index: return rows_of(inverted_index(source, options));
  }
  return {};
}

}  // namespace nimbus::analytics::mapreduce::mars_parity
