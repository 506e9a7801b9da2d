#include "analytics/mapreduce/mars_text_jobs.h"

namespace nimbus::analytics::mapreduce {

namespace {

void report_progress(const TextJobOptions& options, const TextBlock& block, const TextSource& source) {
  if (options.run.progress)
    options.run.progress(block.bytes_before + static_cast<int64_t>(block.text.size()), source.total_bytes());
}

// A word key as Phoenix keeps it. On a device the block's text stays as read, so the word is
// lower-cased here (only the distinct words are); on the host it already is.
const std::string& word_of(const TextBlock& block, TextRange range, WordRule rule, std::string& word) {
  word.assign(block.text, static_cast<size_t>(range.begin), static_cast<size_t>(range.size()));
  if (rule == WordRule::alnum_lower) ascii_lower_in_place(word);
  return word;
}

}  // namespace

JobResult<WordCountJob> mars_word_counts(TextSource& source, const TextJobOptions& options) {
  JobResult<WordCountJob> counts;
  TextBlock block;
  std::string word;
  while (source.next(block)) {
    const MarsWordCounts out = mars_word_count_block(block.text, options.rule, options.device, options.mars);
    for (size_t i = 0; i < out.keys.size(); ++i) {
      word_of(block, out.keys[i], options.rule, word);
      const auto it = counts.find(std::string_view(word));
      if (it == counts.end()) counts.emplace(word, out.values[i]);
      else it->second += out.values[i];
    }
    report_progress(options, block, source);
  }
  return counts;
}

JobResult<GrepCountJob> mars_grep_counts(TextSource& source, const std::string& pattern, const TextJobOptions& options) {
  JobResult<GrepCountJob> counts;
  TextBlock block;
  while (source.next(block)) {
    const MarsGrepCounts out = mars_grep_count_block(block.text, block.document, pattern, options.device, options.mars);
    for (size_t i = 0; i < out.keys.size(); ++i) counts[out.keys[i]] += out.values[i];
    report_progress(options, block, source);
  }
  return counts;
}

// Blocks come in input order and a block's lines come out ascending, so appending each block's
// lines keeps every word's postings in input order, as Phoenix's merge does.
JobResult<InvertedIndexJob> mars_inverted_index(TextSource& source, const TextJobOptions& options) {
  const InvertedIndexJob job;
  JobResult<InvertedIndexJob> index;
  TextBlock block;
  std::string word;
  while (source.next(block)) {
    const MarsPostings out =
        mars_inverted_index_block(block.text, block.first_line, options.rule, options.device, options.mars);
    size_t value = 0;
    for (size_t i = 0; i < out.keys.size(); ++i) {
      auto& postings = index[word_of(block, out.keys[i], options.rule, word)];
      for (int64_t k = 0; k < out.group_sizes[i]; ++k) job.combine(postings, Posting{block.document, out.values[value++]});
    }
    report_progress(options, block, source);
  }
  return index;
}

}  // namespace nimbus::analytics::mapreduce
