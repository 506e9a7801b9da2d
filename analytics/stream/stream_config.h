#pragma once
// The YAML config of `nimbus stream` (see analytics/stream/README.md for every key):
//
//   source:     {kind: directory|file|socket, path, header, columns, delimiter, schema,
//                time_column, time_format, max_files_per_batch, max_bytes_per_batch}
//   trigger:    1s                      how often new data is looked for
//   window:     {size: 10s, slide: 5s}  slide omitted: tumbling
//   watermark:  {lateness: 5s}
//   query:      {keys, where, aggregates: [{function, column, as}]}  or  {sql: "SELECT ..."}
//   output_mode: append|update
//   sink:       {kind: csv|stdout, path}
//   checkpoint: folder
//
// Relative paths are relative to the config file's folder. Every problem is reported at once with
// its key, line and what was expected (ConfigError).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "analytics/csv/csv_options.h"
#include "analytics/stream/stream_query.h"
#include "analytics/stream/stream_source.h"
#include "runtime/macros.h"

namespace nimbus::analytics::stream {

enum class SourceKind { directory, file, socket };
enum class SinkKind { csv, stdout_text };

struct NIMBUS_API StreamConfig {
  SourceKind source_kind = SourceKind::directory;
  std::string source_path;  // folder, file, or host:port
  CsvReadOptions csv;       // column_types holds the schema and the query's own columns
  SourceLimits limits;
  int64_t trigger_us = 1000000;
  StreamQuery query;
  SinkKind sink_kind = SinkKind::csv;
  std::string sink_path;
  std::string checkpoint_dir;
  // Batches whose offset and commit files stay in the checkpoint; older ones are folded into one
  // record (Note [Log compaction] in checkpoint_log.h). Not a YAML key: the engine's choice,
  // set here for tests.
  int64_t retain_batches = 100;

  // What the checkpoint records to refuse a restart with a different query, source or sink.
  std::string description() const;
};

NIMBUS_API StreamConfig load_stream_config(const std::string& path);
// `source` names the text in messages; relative paths start at `base_dir`.
NIMBUS_API StreamConfig parse_stream_config(std::string_view yaml, const std::string& source, const std::string& base_dir);

}  // namespace nimbus::analytics::stream
