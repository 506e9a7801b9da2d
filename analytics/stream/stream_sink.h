#pragma once
// Where a stream's results go, one micro-batch at a time.
//   - CSV files: one file per batch, `<folder>/batch-<id>.csv`, written atomically (temporary
//     file + rename). Writing batch N again replaces the file with the same bytes, which makes
//     re-running an uncommitted batch after a crash idempotent: exactly-once output.
//   - stdout: CSV, a header per batch that has rows. A batch re-run after a crash is printed
//     again: at-least-once.
#include <cstdint>
#include <memory>
#include <string>

#include "analytics/table.h"
#include "runtime/macros.h"

namespace nimbus::analytics::stream {

class NIMBUS_API StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Writes the rows of batch `batch` (nothing for a batch without rows).
  virtual void write(int64_t batch, const Table& rows) = 0;
  // Takes back what batch `batch` wrote, where the sink can (the CSV file sink removes its file;
  // stdout cannot): a batch that is skipped rather than re-run after a crash leaves no output.
  virtual void discard(int64_t batch) = 0;
  // True when writing a batch twice leaves one copy (the sink is idempotent per batch).
  virtual bool idempotent() const = 0;
  virtual std::string describe() const = 0;
};

NIMBUS_API std::unique_ptr<StreamSink> make_csv_file_sink(std::string folder);
NIMBUS_API std::unique_ptr<StreamSink> make_stdout_sink();
// The file name of batch `batch` in a CSV file sink ("batch-000000000042.csv").
NIMBUS_API std::string sink_file_name(int64_t batch);

}  // namespace nimbus::analytics::stream
