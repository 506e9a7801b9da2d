#pragma once
// metrics.jsonl: one JSON object per line, one line per log step and per evaluation, appended and
// flushed as it happens so a killed run keeps everything up to the kill.
#include <cstdint>
#include <fstream>
#include <string>

#include "runtime/macros.h"

namespace nimbus::models {

class NIMBUS_API MetricsLog {
 public:
  // Opens `path` for appending. With `resume_step` >= 0, lines of steps after it (written by the
  // interrupted run after its last checkpoint) are dropped first, so the file reads as if the run
  // had never stopped; with -1 the file starts empty.
  MetricsLog(std::string path, int64_t resume_step);
  // Appends one JSON object (given as its text) and flushes it.
  void append(const std::string& json_line);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace nimbus::models
