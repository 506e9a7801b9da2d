#pragma once
// The built-in text jobs with the Mars strategy over a whole source: each block's output (mars.h)
// merged into the result Phoenix's run_text_job gives for the twin job of jobs.h, so both
// strategies share the code that turns results into tables (jobs.cpp).
#include <string>

#include "analytics/mapreduce/jobs.h"

namespace nimbus::analytics::mapreduce {

JobResult<WordCountJob> mars_word_counts(TextSource& source, const TextJobOptions& options);
JobResult<GrepCountJob> mars_grep_counts(TextSource& source, const std::string& pattern, const TextJobOptions& options);
JobResult<InvertedIndexJob> mars_inverted_index(TextSource& source, const TextJobOptions& options);

}  // namespace nimbus::analytics::mapreduce
