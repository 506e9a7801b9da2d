#include "analytics/stream/fault_points.h"

#include <csignal>
#include <cstdlib>
#include <string>
#include <utility>

namespace nimbus::analytics::stream {

namespace {

struct FaultSpec {
  bool active = false;
  FaultPoint point = FaultPoint::mid_batch;
  int64_t batch = -1;
};

FaultSpec parse_fault(const char* text) {
  FaultSpec spec;
  if (text == nullptr) return spec;
  const std::string s = text;
  for (const auto& [name, point] : {std::pair{"kill-mid-batch:", FaultPoint::mid_batch},
                                    std::pair{"kill-after-sink:", FaultPoint::after_sink},
                                    std::pair{"kill-in-snapshot:", FaultPoint::in_snapshot}}) {
    const std::string prefix = name;
    if (s.starts_with(prefix)) {
      spec.active = true;
      spec.point = point;
      spec.batch = std::strtoll(s.c_str() + prefix.size(), nullptr, 10);
    }
  }
  return spec;
}

}  // namespace

void maybe_fail_at(FaultPoint point, int64_t batch) {
  static const FaultSpec spec = parse_fault(std::getenv("NIMBUS_STREAM_FAULT"));
  if (!spec.active || spec.point != point || spec.batch != batch) return;
  std::raise(SIGKILL);
  std::abort();  // not reached
}

}  // namespace nimbus::analytics::stream
