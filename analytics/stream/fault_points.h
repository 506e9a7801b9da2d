#pragma once
// Crash testing for the streaming engine: NIMBUS_STREAM_FAULT makes the process kill itself with
// SIGKILL at a chosen point of a chosen batch, so tests can check recovery from a crash there.
//   NIMBUS_STREAM_FAULT=kill-mid-batch:N     after batch N's offsets are logged and its rows
//                                            aggregated, before anything is written
//   NIMBUS_STREAM_FAULT=kill-after-sink:N    after batch N's output file is in place, before its
//                                            state snapshot and commit
//   NIMBUS_STREAM_FAULT=kill-in-snapshot:N   with batch N's snapshot written to its temporary file
//                                            but not yet renamed
//   NIMBUS_STREAM_FAULT=kill-in-compaction:N with the folded offsets written after batch N, before
//                                            the old offset and commit files are deleted
// Unset (always, outside tests), a check is one getenv. The parsing is runtime/fault_injection.h.
#include <cstdint>

#include "runtime/macros.h"

namespace nimbus::analytics::stream {

enum class FaultPoint { mid_batch, after_sink, in_snapshot, in_compaction };

// Kills this process with SIGKILL when NIMBUS_STREAM_FAULT names `point` and `batch`.
NIMBUS_API void maybe_fail_at(FaultPoint point, int64_t batch);

}  // namespace nimbus::analytics::stream
