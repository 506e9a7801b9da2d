#include "models/runner/fault_injection.h"

#include "runtime/fault_injection.h"

namespace nimbus::models {

bool fault_requested(FaultPoint point, int64_t step) {
  const char* name = point == FaultPoint::after_step ? "kill-after-step" : "kill-in-checkpoint";
  return nimbus::fault_requested("NIMBUS_FAULT", name, step);
}

void kill_self() { nimbus::kill_self(); }

}  // namespace nimbus::models
