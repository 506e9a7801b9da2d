#pragma once
// The micro-batch loop (Spark Structured Streaming's model): at each trigger, take what the
// source has that is new as one batch, log its offsets, run the query on it, write the result,
// save the state, commit.
//
// Note [Exactly once]
// For batch N the checkpoint (checkpoint_log.h) holds, in the order they are written:
//   offsets/N   what the batch reads, before reading it;
//   (the sink's batch-N output, replacing any earlier attempt's);
//   state/N     watermark and aggregate state after the batch;
//   commits/N   the batch is done.
// A restart loads state/C of the last commit C. If offsets/C+1 exists, batch C+1 was in flight:
// it runs again with the logged offsets, from state C, so it reads the same rows, computes the same
// result (processing depends on nothing but state and rows, Note in window_aggregator.h) and the
// file sink replaces batch C+1's file with the same bytes. A crash anywhere therefore leaves, after
// the restart, the sink files an uninterrupted run writes: in append mode every window appears
// exactly once. This holds for replayable sources (directory, file) with the CSV file sink. The
// stdout sink prints a re-run batch again (at-least-once); the socket source cannot re-read a batch,
// so a restart skips the one in flight (at-most-once for its rows) and takes back its file output.
#include <atomic>
#include <cstdint>
#include <memory>
#include <ostream>

#include "analytics/stream/checkpoint_log.h"
#include "analytics/stream/stream_config.h"
#include "analytics/stream/stream_sink.h"
#include "analytics/stream/stream_source.h"
#include "analytics/stream/window_aggregator.h"
#include "runtime/macros.h"

namespace nimbus::analytics::stream {

struct RunOptions {
  bool once = false;                         // run batches while there is new data, then return
  int64_t max_batches = -1;                  // return after this many batches (-1: no limit)
  const std::atomic<bool>* stop = nullptr;   // when it becomes true: finish the batch, return
  std::ostream* progress = nullptr;          // one line of metrics per batch
};

struct RunSummary {
  int64_t batches = 0;
  int64_t rows = 0;
  int64_t late_rows = 0;
  int64_t windows_emitted = 0;
  double seconds = 0;
};

class NIMBUS_API StreamEngine {
 public:
  // Opens the checkpoint (refusing one of a different query), restores the state of the last
  // committed batch and the source's position.
  explicit StreamEngine(StreamConfig config);
  // The same with a given source and sink (tests).
  StreamEngine(StreamConfig config, std::unique_ptr<StreamSource> source, std::unique_ptr<StreamSink> sink);

  RunSummary run(const RunOptions& options);
  const WindowAggregator& aggregator() const { return aggregator_; }
  int64_t next_batch() const { return next_batch_; }

 private:
  void recover();
  // Runs batch `batch` over `offsets`; `logged` when the offsets are already in the log (a re-run).
  BatchStats run_batch(int64_t batch, const std::string& offsets, bool logged, std::ostream* progress);
  // Folds the logs of batches older than the retained ones once twice as many are kept.
  void compact_logs(int64_t batch);
  std::string time_text(int64_t micros) const;

  StreamConfig config_;
  std::unique_ptr<StreamSource> source_;
  std::unique_ptr<StreamSink> sink_;
  CheckpointLog log_;
  WindowAggregator aggregator_;
  int64_t next_batch_ = 0;
  std::optional<int64_t> rerun_;
};

NIMBUS_API std::unique_ptr<StreamSource> make_source(const StreamConfig& config);
NIMBUS_API std::unique_ptr<StreamSink> make_sink(const StreamConfig& config);

}  // namespace nimbus::analytics::stream
