#include "analytics/mapreduce/jobs.h"

#include <algorithm>

#include "analytics/column_builder.h"
#include "analytics/mapreduce/mars_text_jobs.h"
#include "runtime/error.h"

namespace nimbus::analytics::mapreduce {

namespace {

// Phoenix's engine runs on the CPU only.
void check_phoenix_device(const TextJobOptions& options, std::string_view job) {
  NIMBUS_CHECK_T(ConfigError, options.device.is_cpu(), job, ": the phoenix strategy runs on the CPU, not on ",
                 options.device.str(), "; use the mars strategy on a device");
}

}  // namespace

Table word_count(TextSource& source, const TextJobOptions& options) {
  WordCountJob job;
  job.rule = options.rule;
  if (options.strategy == Strategy::phoenix) check_phoenix_device(options, "word count");
  const JobResult<WordCountJob> counts = options.strategy == Strategy::mars ? mars_word_counts(source, options)
                                                                            : run_text_job(job, source, options.run);
  std::vector<std::pair<std::string_view, int64_t>> rows;
  rows.reserve(counts.size());
  for (const auto& [word, count] : counts) rows.emplace_back(word, count);
  const auto order = [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; };
  const size_t keep = options.top < 0 ? rows.size() : std::min(rows.size(), static_cast<size_t>(options.top));
  std::partial_sort(rows.begin(), rows.begin() + static_cast<long>(keep), rows.end(), order);
  ColumnBuilder words(DataType::string), n(DataType::int64);
  words.reserve(static_cast<int64_t>(keep));
  n.reserve(static_cast<int64_t>(keep));
  for (size_t i = 0; i < keep; ++i) {
    words.append_string(rows[i].first);
    n.append_int64(rows[i].second);
  }
  return Table({"word", "count"}, {words.finish(), n.finish()});
}

Table grep_count(TextSource& source, const std::string& pattern, const TextJobOptions& options) {
  NIMBUS_CHECK_T(ConfigError, !pattern.empty(), "grep: the pattern is empty");
  if (options.strategy == Strategy::phoenix) check_phoenix_device(options, "grep");
  GrepCountJob job;
  job.pattern = pattern;
  const JobResult<GrepCountJob> counts = options.strategy == Strategy::mars ? mars_grep_counts(source, pattern, options)
                                                                            : run_text_job(job, source, options.run);
  ColumnBuilder file(DataType::string), n(DataType::int64);
  for (size_t d = 0; d < source.paths().size(); ++d) {  // every file, matching or not, in input order
    const auto it = counts.find(static_cast<int64_t>(d));
    file.append_string(source.paths()[d]);
    n.append_int64(it == counts.end() ? 0 : it->second);
  }
  return Table({"file", "matching_lines"}, {file.finish(), n.finish()});
}

Table inverted_index(TextSource& source, const TextJobOptions& options) {
  if (options.strategy == Strategy::phoenix) check_phoenix_device(options, "inverted index");
  InvertedIndexJob job;
  job.rule = options.rule;
  const JobResult<InvertedIndexJob> index = options.strategy == Strategy::mars ? mars_inverted_index(source, options)
                                                                               : run_text_job(job, source, options.run);
  std::vector<const std::pair<const std::string, std::vector<Posting>>*> entries;
  for (const auto& entry : index) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  ColumnBuilder words(DataType::string), lines(DataType::int64), postings(DataType::string);
  std::string text;
  for (const auto* entry : entries) {
    text.clear();
    for (const Posting& p : entry->second) {
      if (!text.empty()) text += ' ';
      text.append(std::to_string(p.document + 1)).append(":").append(std::to_string(p.line));
    }
    words.append_string(entry->first);
    lines.append_int64(static_cast<int64_t>(entry->second.size()));
    postings.append_string(text);
  }
  return Table({"word", "lines", "postings"}, {words.finish(), lines.finish(), postings.finish()});
}

}  // namespace nimbus::analytics::mapreduce
