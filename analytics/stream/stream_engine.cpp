#include "analytics/stream/stream_engine.h"

#include <chrono>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "analytics/date_time.h"
#include "analytics/stream/fault_points.h"

namespace nimbus::analytics::stream {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Snapshots kept behind the last commit: one is enough to restart, a few help inspection.
constexpr int64_t kSnapshotsKept = 2;

}  // namespace

std::unique_ptr<StreamSource> make_source(const StreamConfig& config) {
  switch (config.source_kind) {
    case SourceKind::directory: return make_directory_source(config.source_path, config.csv, config.limits);
    case SourceKind::file: return make_growing_file_source(config.source_path, config.csv, config.limits);
    case SourceKind::socket: return make_socket_source(config.source_path, config.csv);
  }
  return nullptr;
}

std::unique_ptr<StreamSink> make_sink(const StreamConfig& config) {
  if (config.sink_kind == SinkKind::stdout_text) return make_stdout_sink();
  return make_csv_file_sink(config.sink_path);
}

StreamEngine::StreamEngine(StreamConfig config)
    : StreamEngine(config, make_source(config), make_sink(config)) {}

StreamEngine::StreamEngine(StreamConfig config, std::unique_ptr<StreamSource> source, std::unique_ptr<StreamSink> sink)
    : config_(std::move(config)),
      source_(std::move(source)),
      sink_(std::move(sink)),
      log_(config_.checkpoint_dir),
      aggregator_(config_.query) {
  std::string description = config_.description();
  description += "sink=";
  description += sink_->describe().substr(0, sink_->describe().find(' '));
  description += "\n";
  log_.check_metadata(description);
  recover();
}

void StreamEngine::recover() {
  const RecoveryPlan plan = plan_recovery(log_.last_offsets(), log_.last_commit());
  if (plan.resume_state) aggregator_.restore(log_.read_state(*plan.resume_state));
  if (const auto compacted = log_.compacted_offsets()) source_->mark_consumed(compacted->offsets);
  for (const int64_t b : log_.offset_batches()) source_->mark_consumed(log_.read_offsets(b));
  next_batch_ = plan.next_batch;
  rerun_ = plan.rerun;
}

std::string StreamEngine::time_text(int64_t micros) const {
  if (micros == kNoTime) return "none";
  if (config_.query.time_format == TimeFormat::iso8601) return format_timestamp(micros);
  const int64_t unit = config_.query.time_format == TimeFormat::seconds        ? 1000000
                       : config_.query.time_format == TimeFormat::milliseconds ? 1000
                                                                               : 1;
  return std::to_string(floor_div(micros, unit));
}

BatchStats StreamEngine::run_batch(int64_t batch, const std::string& offsets, bool logged, std::ostream* progress) {
  const auto start = Clock::now();
  if (!logged) log_.write_offsets(batch, offsets);
  source_->mark_consumed(offsets);
  const SourceBatch input = source_->read(offsets);
  const double read_s = seconds_since(start);
  BatchStats stats;
  const Table out = aggregator_.process(input.parts, stats);
  const double process_s = seconds_since(start) - read_s;
  maybe_fail_at(FaultPoint::mid_batch, batch);
  sink_->write(batch, out);
  const double write_s = seconds_since(start) - read_s - process_s;
  maybe_fail_at(FaultPoint::after_sink, batch);
  log_.write_state(batch, aggregator_.snapshot(), [batch] { maybe_fail_at(FaultPoint::in_snapshot, batch); });
  nlohmann::json commit{{"batch", batch}, {"rows", stats.rows}, {"late_rows", stats.late_rows},
                        {"windows_emitted", stats.windows_emitted}, {"watermark_us", aggregator_.watermark()}};
  log_.write_commit(batch, commit.dump());
  log_.prune_states(batch, kSnapshotsKept);
  compact_logs(batch);
  const double total_s = seconds_since(start);
  if (progress != nullptr) {
    std::ostringstream line;
    line << std::fixed << std::setprecision(1) << "stream: batch " << batch << (logged ? " (re-run)" : "") << ": "
         << stats.rows << " rows, " << stats.late_rows << " late dropped";
    if (stats.no_time_rows > 0) line << ", " << stats.no_time_rows << " without time dropped";
    if (stats.filtered_rows > 0) line << ", " << stats.filtered_rows << " filtered";
    line << ", " << stats.windows_emitted << " windows out, " << aggregator_.open_windows() << " open, watermark "
         << time_text(aggregator_.watermark()) << ", " << total_s * 1e3 << " ms (read " << read_s * 1e3
         << ", aggregate " << process_s * 1e3 << ", write " << write_s * 1e3 << ")";
    if (total_s > 0) line << ", " << std::setprecision(0) << static_cast<double>(stats.rows) / total_s << " rows/s";
    if (input.oldest_arrival > 0)
      line << std::setprecision(3) << ", delay " << wall_seconds() - input.oldest_arrival << " s";
    *progress << line.str() << "\n" << std::flush;
  }
  return stats;
}

void StreamEngine::compact_logs(int64_t batch) {
  const std::vector<int64_t> logged = log_.offset_batches();
  const int64_t retain = std::max<int64_t>(config_.retain_batches, 1);
  if (static_cast<int64_t>(logged.size()) <= 2 * retain) return;
  const int64_t through = batch - retain;
  std::vector<std::string> offsets;
  if (const auto compacted = log_.compacted_offsets()) offsets.push_back(compacted->offsets);
  for (const int64_t b : logged) {
    if (b > through) break;
    offsets.push_back(log_.read_offsets(b));
  }
  log_.compact_logs(through, source_->merge_offsets(offsets), [batch] { maybe_fail_at(FaultPoint::in_compaction, batch); });
}

RunSummary StreamEngine::run(const RunOptions& options) {
  RunSummary summary;
  const auto started = Clock::now();
  const auto stopping = [&] { return options.stop != nullptr && options.stop->load(); };
  const auto count = [&](const BatchStats& s) {
    ++summary.batches;
    summary.rows += s.rows;
    summary.late_rows += s.late_rows;
    summary.windows_emitted += s.windows_emitted;
  };
  const auto done = [&] { return options.max_batches >= 0 && summary.batches >= options.max_batches; };
  if (rerun_ && !done()) {
    const int64_t batch = *rerun_;
    rerun_.reset();
    if (source_->replayable()) {
      if (options.progress != nullptr)
        *options.progress << "stream: batch " << batch << " was not committed; running it again\n";
      count(run_batch(batch, log_.read_offsets(batch), true, options.progress));
    } else {
      // Its rows were only in memory: the batch is lost (at-most-once), and recorded as skipped.
      // Whatever it wrote goes too: the windows it closed are still open in the last committed
      // state, and a later batch emits them, so a file left behind would show them twice.
      if (options.progress != nullptr)
        *options.progress << "stream: batch " << batch << " was not committed and the source cannot replay it; skipped\n";
      sink_->discard(batch);
      log_.write_state(batch, aggregator_.snapshot());
      log_.write_commit(batch, nlohmann::json{{"batch", batch}, {"skipped", true}}.dump());
    }
  }
  auto next_trigger = Clock::now();
  const auto interval = std::chrono::microseconds(config_.trigger_us);
  while (!stopping() && !done()) {
    const std::optional<std::string> offsets = source_->plan_next();
    if (offsets) count(run_batch(next_batch_++, *offsets, false, options.progress));
    else if (options.once) break;
    if (options.once) continue;
    // The next trigger is one interval after the last; a batch that overran starts the next at once.
    next_trigger += interval;
    if (next_trigger < Clock::now()) next_trigger = Clock::now();
    while (!stopping() && Clock::now() < next_trigger)
      std::this_thread::sleep_for(std::min<Clock::duration>(next_trigger - Clock::now(), std::chrono::milliseconds(50)));
  }
  summary.seconds = seconds_since(started);
  return summary;
}

}  // namespace nimbus::analytics::stream
