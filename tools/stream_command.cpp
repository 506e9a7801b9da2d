// `nimbus stream CONFIG.yaml [--once] [--max-batches N]`: runs a streaming query (micro-batches
// over a folder of CSV files, a growing CSV file or a socket; event-time windows with a watermark;
// results to CSV files or stdout) with checkpoints for exactly-once output. See
// analytics/stream/README.md. Results go to the sink; one line of metrics per batch to stderr.
#include <atomic>
#include <csignal>
#include <iostream>

#include "analytics/stream/stream_engine.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct StreamCliOptions {
  std::string config;
  bool once = false;
  int64_t max_batches = -1;
  bool quiet = false;
};

std::atomic<bool> stop_requested{false};

extern "C" void request_stop(int) { stop_requested.store(true); }

void run_stream(const StreamCliOptions& o) {
  namespace stream = analytics::stream;
  const stream::StreamConfig config = stream::load_stream_config(o.config);
  stream::StreamEngine engine(config);
  // SIGINT and SIGTERM finish the batch in progress (it commits), then the loop returns.
  struct sigaction action {};
  action.sa_handler = request_stop;
  action.sa_flags = SA_RESTART;  // reads in progress continue; the loop checks the flag between steps
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  stream::RunOptions options;
  options.once = o.once;
  options.max_batches = o.max_batches;
  options.stop = &stop_requested;
  options.progress = o.quiet ? nullptr : &std::cerr;
  const stream::RunSummary s = engine.run(options);
  if (!o.quiet) {
    std::cerr << "stream: " << s.batches << (s.batches == 1 ? " batch, " : " batches, ") << s.rows << " rows, "
              << s.late_rows << " late dropped, " << s.windows_emitted << " windows out in " << s.seconds << " s"
              << (stop_requested.load() ? " (stopped by signal)" : "") << "\n";
  }
}

}  // namespace

void add_stream_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("stream", "Run a streaming query: event-time windows over arriving CSV data");
  static StreamCliOptions options;
  cmd->add_option("config", options.config, "The stream config (YAML)")->required();
  cmd->add_flag("--once", options.once, "Process the data available now (in as many batches as needed), then exit");
  cmd->add_option("--max-batches", options.max_batches, "Exit after this many batches")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quiet", options.quiet, "No per-batch metrics on stderr");
  cmd->callback([] { run_stream(options); });
}

}  // namespace nimbus::tools
