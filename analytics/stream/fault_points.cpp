#include "analytics/stream/fault_points.h"

#include "runtime/fault_injection.h"

namespace nimbus::analytics::stream {

namespace {

const char* name_of(FaultPoint point) {
  switch (point) {
    case FaultPoint::mid_batch: return "kill-mid-batch";
    case FaultPoint::after_sink: return "kill-after-sink";
    case FaultPoint::in_snapshot: return "kill-in-snapshot";
    case FaultPoint::in_compaction: return "kill-in-compaction";
  }
  return "";
}

}  // namespace

void maybe_fail_at(FaultPoint point, int64_t batch) {
  if (fault_requested("NIMBUS_STREAM_FAULT", name_of(point), batch)) kill_self();
}

}  // namespace nimbus::analytics::stream
