#pragma once
// Where a stream's rows come from. A source hands out the offsets of the next micro-batch (what
// is new since the last one, as JSON text for the offset log) and reads the rows of any offsets it
// handed out. A replayable source reads the same rows for the same offsets after a restart, which
// is what exactly-once output rests on (Note [Exactly once] in stream_engine.h).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analytics/csv/csv_options.h"
#include "analytics/table.h"
#include "runtime/macros.h"

namespace nimbus::analytics::stream {

struct SourceBatch {
  std::vector<Table> parts;     // in order; one per file for the directory source
  int64_t bytes = 0;
  double oldest_arrival = 0;    // seconds since the epoch when the batch's oldest data arrived (0: unknown)
};

class NIMBUS_API StreamSource {
 public:
  virtual ~StreamSource() = default;
  virtual bool replayable() const = 0;
  // Kind and location, recorded in the checkpoint so that a restart with another source is refused.
  virtual std::string describe() const = 0;
  // The offsets of the next batch from what is there now; nullopt when there is nothing new.
  virtual std::optional<std::string> plan_next() = 0;
  // Records a logged batch as consumed, so that plan_next moves past it (recovery replays the offset
  // log through this).
  virtual void mark_consumed(const std::string& offsets) = 0;
  // One offsets text that mark_consumed takes for all of `offsets` (texts plan_next or an earlier
  // merge returned), so that old batches' entries of the offset log can be folded into one
  // (Note [Log compaction] in checkpoint_log.h).
  virtual std::string merge_offsets(const std::vector<std::string>& offsets) const = 0;
  virtual SourceBatch read(const std::string& offsets) = 0;
};

struct SourceLimits {
  int64_t max_files_per_batch = 0;  // directory source; 0: no limit
  int64_t max_bytes_per_batch = 0;  // file source; 0: no limit (a batch still ends on a line end)
};

// New CSV files in a folder, in name order (see directory_source.cpp for the rules writers follow).
NIMBUS_API std::unique_ptr<StreamSource> make_directory_source(std::string folder, CsvReadOptions csv, SourceLimits limits);
// Complete lines appended to one CSV file.
NIMBUS_API std::unique_ptr<StreamSource> make_growing_file_source(std::string path, CsvReadOptions csv, SourceLimits limits);
// CSV lines from a TCP server (host:port); not replayable.
NIMBUS_API std::unique_ptr<StreamSource> make_socket_source(std::string address, CsvReadOptions csv);

}  // namespace nimbus::analytics::stream
