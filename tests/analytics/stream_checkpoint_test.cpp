// Offset and commit logs: what a restart does for every state the logs can be left in by a crash,
// the logs no crash leaves (refused), atomic files, metadata that refuses a different query, and
// the engine re-running an uncommitted batch so that its sink file gets the same bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "analytics/stream/atomic_file.h"
#include "analytics/stream/checkpoint_log.h"
#include "analytics/stream/stream_engine.h"
#include "analytics/stream/stream_source.h"

namespace nimbus::analytics::stream {
namespace {

namespace fs = std::filesystem;

std::string fresh_folder(const std::string& name) {
  const fs::path p = fs::path(::testing::TempDir()) / ("nimbus_stream_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

TEST(StreamCheckpoint, RecoveryPlans) {
  RecoveryPlan p = plan_recovery(std::nullopt, std::nullopt);  // a fresh start
  EXPECT_FALSE(p.resume_state);
  EXPECT_FALSE(p.rerun);
  EXPECT_EQ(p.next_batch, 0);
  p = plan_recovery(0, std::nullopt);  // crashed inside the first batch
  EXPECT_FALSE(p.resume_state);
  EXPECT_EQ(p.rerun, 0);
  EXPECT_EQ(p.next_batch, 1);
  p = plan_recovery(4, 4);  // stopped between batches
  EXPECT_EQ(p.resume_state, 4);
  EXPECT_FALSE(p.rerun);
  EXPECT_EQ(p.next_batch, 5);
  p = plan_recovery(5, 4);  // crashed inside batch 5
  EXPECT_EQ(p.resume_state, 4);
  EXPECT_EQ(p.rerun, 5);
  EXPECT_EQ(p.next_batch, 6);
  EXPECT_THROW(plan_recovery(std::nullopt, 0), Error);  // a commit without offsets
  EXPECT_THROW(plan_recovery(3, 4), Error);             // a commit ahead of the offsets
  EXPECT_THROW(plan_recovery(7, 4), Error);             // two batches in flight
  EXPECT_THROW(plan_recovery(1, std::nullopt), Error);
}

TEST(StreamCheckpoint, LogsListBatchesAndIgnoreTemporaries) {
  CheckpointLog log(fresh_folder("log"));
  EXPECT_FALSE(log.last_offsets());
  log.write_offsets(0, "{\"files\":[\"a\"]}");
  log.write_offsets(1, "{\"files\":[\"b\"]}");
  log.write_commit(0, "{}");
  std::ofstream(fs::path(log.folder()) / "commits" / ".000000000001.tmp") << "half";
  EXPECT_EQ(log.last_offsets(), 1);
  EXPECT_EQ(log.last_commit(), 0);
  EXPECT_EQ(log.read_offsets(1), "{\"files\":[\"b\"]}");
  for (int64_t b = 0; b < 6; ++b) log.write_state(b, std::to_string(b));
  log.prune_states(5, 2);
  EXPECT_THROW(log.read_state(2), IOError);
  EXPECT_EQ(log.read_state(3), "3");
  log.check_metadata("query one\n");
  log.check_metadata("query one\n");
  EXPECT_THROW(log.check_metadata("query two\n"), ConfigError);
}

TEST(StreamCheckpoint, AtomicWriteLeavesTheOldFileUntilTheRename) {
  const std::string folder = fresh_folder("atomic");
  const std::string path = folder + "/f";
  write_file_atomically(path, "old");
  bool complete_before_rename = false;
  try {
    write_file_atomically(path, "new", [&] {
      // The new bytes are complete in a temporary beside the target, which is still the old file.
      for (const auto& entry : fs::directory_iterator(folder)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(".f.tmp", 0) == 0) complete_before_rename = read_whole_file(entry.path().string()) == "new";
      }
      EXPECT_EQ(read_whole_file(path), "old");
      throw IOError("failure before the rename");
    });
  } catch (const IOError&) {
  }
  EXPECT_TRUE(complete_before_rename);
  EXPECT_EQ(read_whole_file(path), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(folder), fs::directory_iterator()), 1)
      << "a failed write leaves no temporary behind";
  write_file_atomically(path, "new");
  EXPECT_EQ(read_whole_file(path), "new");
}

StreamConfig directory_config(const std::string& root) {
  StreamConfig c;
  c.source_kind = SourceKind::directory;
  c.source_path = root + "/in";
  c.limits.max_files_per_batch = 1;
  c.query.time_column = "ts";
  c.query.window = {10000000, 10000000};
  c.query.keys = {"k"};
  c.query.aggregates = {{StreamAggregate::count_star, "", "n", false}, {StreamAggregate::sum, "v", "s", false}};
  c.csv.column_types = {{"ts", DataType::int64}, {"k", DataType::string}, {"v", DataType::float64}};
  c.sink_kind = SinkKind::csv;
  c.sink_path = root + "/out";
  c.checkpoint_dir = root + "/ckpt";
  return c;
}

std::map<std::string, std::string> sink_files(const std::string& folder) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(folder)) out[e.path().filename().string()] = read_whole_file(e.path().string());
  return out;
}

void write_inputs(const std::string& root) {
  fs::create_directories(root + "/in");
  std::ofstream(root + "/in/001.csv") << "ts,k,v\n1,a,1.5\n3,b,2\n";
  std::ofstream(root + "/in/002.csv") << "ts,k,v\n12,a,1\n2,a,100\n";
  std::ofstream(root + "/in/003.csv") << "ts,k,v\n25,b,0.25\n";
  std::ofstream(root + "/in/004.csv") << "ts,k,v\n40,c,1\n";
  std::ofstream(root + "/in/.005.csv.tmp") << "ts,k,v\n99,hidden,1\n";  // being written: ignored
}

// One engine per checkpoint: a second log on a folder in use is refused until the first is gone.
TEST(StreamCheckpoint, AFolderInUseIsRefused) {
  const std::string folder = fresh_folder("locked");
  {
    CheckpointLog first(folder);
    try {
      CheckpointLog second(folder);
      ADD_FAILURE() << "a second log opened a folder in use";
    } catch (const IOError& e) {
      EXPECT_NE(std::string(e.what()).find("in use by another running stream"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(CheckpointLog{folder});
}

TEST(StreamCheckpoint, AnUncommittedBatchRunsAgainWithTheSameOffsets) {
  const std::string whole = fresh_folder("engine_whole");
  write_inputs(whole);
  RunOptions once;
  once.once = true;
  {
    StreamEngine engine(directory_config(whole));
    EXPECT_EQ(engine.run(once).batches, 4);
  }
  const auto expected = sink_files(whole + "/out");
  ASSERT_EQ(expected.size(), 3u);

  const std::string crashed = fresh_folder("engine_crashed");
  write_inputs(crashed);
  {
    StreamEngine engine(directory_config(crashed));
    RunOptions two = once;
    two.max_batches = 3;
    EXPECT_EQ(engine.run(two).batches, 3);
  }
  // As a crash after batch 2's sink write leaves it: no state or commit for batch 2, and a sink
  // file that the re-run must replace (here damaged, to see that it is rewritten).
  fs::remove(crashed + "/ckpt/commits/" + batch_file_name(2));
  fs::remove(crashed + "/ckpt/state/" + batch_file_name(2));
  std::ofstream(crashed + "/out/" + sink_file_name(2)) << "garbage";
  {
    StreamEngine engine(directory_config(crashed));
    EXPECT_EQ(engine.next_batch(), 3);
    EXPECT_EQ(engine.run(once).batches, 2);  // batch 2 again, then batch 3
  }
  EXPECT_EQ(sink_files(crashed + "/out"), expected);
  {
    StreamEngine engine(directory_config(crashed));  // nothing new: nothing runs
    EXPECT_EQ(engine.run(once).batches, 0);
  }
  StreamConfig other = directory_config(crashed);
  other.query.keys = {"v"};
  other.query.aggregates.pop_back();
  EXPECT_THROW(StreamEngine{other}, ConfigError);
}

// Note [Log compaction]: old batches' offsets fold into one record; a crash after the record is
// written but before the old files go leaves both, which recovery reads alike.
TEST(StreamCheckpoint, CompactionFoldsOldOffsetsAndKeepsTheNewestBatches) {
  CheckpointLog log(fresh_folder("compact"));
  EXPECT_FALSE(log.compacted_offsets());
  for (int64_t b = 0; b < 6; ++b) {
    log.write_offsets(b, "{}");
    log.write_commit(b, "{}");
  }
  try {
    log.compact_logs(1, "folded 0-1", [] { throw IOError("crash before the old files go"); });
  } catch (const IOError&) {
  }
  ASSERT_TRUE(log.compacted_offsets());
  EXPECT_EQ(log.compacted_offsets()->through, 1);
  EXPECT_EQ(log.offset_batches().size(), 6u) << "nothing deleted before the record was safe";
  log.compact_logs(3, "folded 0-3");
  EXPECT_EQ(log.compacted_offsets()->through, 3);
  EXPECT_EQ(log.compacted_offsets()->offsets, "folded 0-3");
  EXPECT_EQ(log.offset_batches(), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(log.last_commit(), 5);
  const RecoveryPlan plan = plan_recovery(log.last_offsets(), log.last_commit());
  EXPECT_EQ(plan.next_batch, 6);
  EXPECT_FALSE(plan.rerun);
}

TEST(StreamCheckpoint, SourcesMergeTheirOffsetsIntoWhatMarkConsumedTakes) {
  const std::string root = fresh_folder("merge");
  fs::create_directories(root + "/in");
  const auto dir = make_directory_source(root + "/in", {}, {});
  EXPECT_EQ(dir->merge_offsets({"{\"files\":[\"b\",\"a\"]}", "{\"files\":[\"c\",\"a\"]}"}),
            "{\"files\":[\"a\",\"b\",\"c\"]}");
  std::ofstream(root + "/grow.csv") << "ts,k,v\n";
  const auto file = make_growing_file_source(root + "/grow.csv", {}, {});
  EXPECT_EQ(file->merge_offsets({"{\"start\":7,\"end\":20}", "{\"start\":20,\"end\":31}"}),
            "{\"end\":31,\"start\":7}");
}

// With one batch retained the logs are compacted while the engine runs; a restart then reads only
// new files, and the output is what a run without compaction writes.
TEST(StreamCheckpoint, ACompactedCheckpointRestartsWhereItStopped) {
  const std::string plain = fresh_folder("engine_plain");
  write_inputs(plain);
  std::ofstream(plain + "/in/005.csv") << "ts,k,v\n52,d,2\n";
  RunOptions once;
  once.once = true;
  {
    StreamEngine engine(directory_config(plain));
    EXPECT_EQ(engine.run(once).batches, 5);
  }
  const std::string compacted = fresh_folder("engine_compacted");
  write_inputs(compacted);
  StreamConfig config = directory_config(compacted);
  config.retain_batches = 1;
  {
    StreamEngine engine(config);
    EXPECT_EQ(engine.run(once).batches, 4);
  }
  CheckpointLog::CompactedOffsets folded;
  {
    CheckpointLog log(compacted + "/ckpt");
    ASSERT_TRUE(log.compacted_offsets());
    folded = *log.compacted_offsets();
    EXPECT_LE(log.offset_batches().size(), 2u);
  }
  EXPECT_NE(folded.offsets.find("001.csv"), std::string::npos) << folded.offsets;
  std::ofstream(compacted + "/in/005.csv") << "ts,k,v\n52,d,2\n";
  {
    StreamEngine engine(config);
    EXPECT_EQ(engine.run(once).batches, 1) << "only the new file; the folded ones stay consumed";
  }
  EXPECT_EQ(sink_files(compacted + "/out"), sink_files(plain + "/out"));
}

}  // namespace
}  // namespace nimbus::analytics::stream
