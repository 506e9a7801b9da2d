#pragma once
// The checkpoint folder of a stream:
//
//   metadata            the query's description; a restart with a different query is refused
//   offsets/<batch>     the source offsets of the batch, written BEFORE it runs
//   commits/<batch>     written AFTER the batch's output is in the sink and its state is saved
//   state/<batch>       watermark and aggregate state after the batch (WindowAggregator::snapshot)
//   offsets-compacted   the offsets of every batch up to one id, folded into one (below)
//
// Every file is written atomically (atomic_file.h). Batch ids count from 0; file names are the
// id padded to 12 digits so that listings sort by id.
//
// Note [Log compaction]
// A stream with a one-second trigger logs 86,400 batches a day, two files each. Recovery needs
// only the last batches' offsets and commits, plus what the source has consumed before them. So
// the engine keeps the newest batches' files and folds the offsets of all older batches into one
// record (the source merges them: the union of the files seen, the end of the bytes read), written
// atomically BEFORE the old files are deleted. A crash between the two leaves old offset files
// that the record also covers; replaying both through mark_consumed is harmless.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::analytics::stream {

// What a restart does, from the last logged offsets and the last commit (pure, for tests):
//   - resume_state: the snapshot to load (the last committed batch), none on a fresh start;
//   - rerun: a batch with offsets but no commit, run again with exactly those offsets;
//   - next_batch: the id of the batch after that (or after the last commit).
struct RecoveryPlan {
  std::optional<int64_t> resume_state;
  std::optional<int64_t> rerun;
  int64_t next_batch = 0;
};
// Error for logs no run of the engine writes (a commit without offsets, a gap of several batches).
NIMBUS_API RecoveryPlan plan_recovery(std::optional<int64_t> last_offsets, std::optional<int64_t> last_commit);

class NIMBUS_API CheckpointLog {
 public:
  // Creates the folder and its sub-folders when missing, and holds an exclusive lock on it
  // (`<folder>/lock`, flock) for its lifetime: two engines writing one checkpoint would lose or
  // duplicate batches, so a second one is refused with an IOError while the first runs.
  explicit CheckpointLog(std::string folder);
  ~CheckpointLog();
  CheckpointLog(const CheckpointLog&) = delete;
  CheckpointLog& operator=(const CheckpointLog&) = delete;

  const std::string& folder() const { return folder_; }
  // Writes `description` on first use; a ConfigError when a different one is already there.
  void check_metadata(const std::string& description);

  std::optional<int64_t> last_offsets() const;
  std::optional<int64_t> last_commit() const;
  // The batches with offsets, in order.
  std::vector<int64_t> offset_batches() const;

  void write_offsets(int64_t batch, const std::string& json);
  std::string read_offsets(int64_t batch) const;
  void write_commit(int64_t batch, const std::string& json);
  // `before_rename` lets crash tests stop halfway through.
  void write_state(int64_t batch, const std::string& bytes, const std::function<void()>& before_rename = {});
  std::string read_state(int64_t batch) const;
  // Deletes snapshots older than `keep` batches before `batch`.
  void prune_states(int64_t batch, int64_t keep);

  // The folded offsets of the batches up to `through` (Note [Log compaction]), if any.
  struct CompactedOffsets {
    int64_t through = -1;
    std::string offsets;
  };
  std::optional<CompactedOffsets> compacted_offsets() const;
  // Records `merged` as the offsets of every batch up to `through`, then deletes those batches'
  // offset and commit files. `before_delete` lets crash tests stop in between.
  void compact_logs(int64_t through, const std::string& merged, const std::function<void()>& before_delete = {});

 private:
  std::string path(const char* kind, int64_t batch) const;
  std::vector<int64_t> batches(const char* kind) const;

  std::string folder_;
  int lock_fd_ = -1;
};

NIMBUS_API std::string batch_file_name(int64_t batch);

}  // namespace nimbus::analytics::stream
