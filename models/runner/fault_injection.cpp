#include "models/runner/fault_injection.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace nimbus::models {

namespace {

struct FaultSpec {
  bool active = false;
  FaultPoint point = FaultPoint::after_step;
  int64_t step = -1;
};

FaultSpec parse_fault(const char* text) {
  FaultSpec spec;
  if (text == nullptr) return spec;
  const std::string s = text;
  for (const auto& [name, point] : {std::pair{"kill-after-step:", FaultPoint::after_step},
                                    std::pair{"kill-in-checkpoint:", FaultPoint::in_checkpoint}}) {
    const std::string prefix = name;
    if (s.starts_with(prefix)) {
      spec.active = true;
      spec.point = point;
      spec.step = std::strtoll(s.c_str() + prefix.size(), nullptr, 10);
    }
  }
  return spec;
}

}  // namespace

bool fault_requested(FaultPoint point, int64_t step) {
  static const FaultSpec spec = parse_fault(std::getenv("NIMBUS_FAULT"));
  return spec.active && spec.point == point && spec.step == step;
}

void kill_self() {
  std::raise(SIGKILL);
  std::abort();  // not reached
}

}  // namespace nimbus::models
