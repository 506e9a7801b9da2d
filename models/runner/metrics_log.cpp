#include "models/runner/metrics_log.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/atomic_file.h"
#include "runtime/error.h"

namespace nimbus::models {

namespace {

// The lines of `path` whose "step" is at most `last_step`. A torn last line (the process was
// killed in the middle of writing it) does not parse and is dropped with the rest after the step.
std::string lines_up_to(const std::string& path, int64_t last_step) {
  std::ifstream in(path);
  std::string kept, line;
  while (std::getline(in, line)) {
    const auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded() || !record.is_object() || !record.contains("step")) break;
    if (record["step"].get<int64_t>() > last_step) break;
    kept += line + "\n";
  }
  return kept;
}

}  // namespace

MetricsLog::MetricsLog(std::string path, int64_t resume_step) : path_(std::move(path)) {
  io::write_file_atomically(path_, resume_step >= 0 ? lines_up_to(path_, resume_step) : "");
  out_.open(path_, std::ios::app);
  NIMBUS_CHECK_T(IOError, out_.good(), "cannot append to '", path_, "'");
}

void MetricsLog::append(const std::string& json_line) {
  out_ << json_line << '\n';
  out_.flush();
  NIMBUS_CHECK_T(IOError, out_.good(), "cannot append to '", path_, "' (disk full?)");
}

}  // namespace nimbus::models
