#pragma once
// Learning-rate schedules as pure functions of the step (so a resumed run gets the same rates):
// constant, step decay, and cosine decay; each with an optional linear warm-up.
#include <cstdint>
#include <string>

#include "runtime/macros.h"

namespace nimbus::optim {

struct LrSchedule {
  enum class Kind { constant, step, cosine };
  Kind kind = Kind::constant;
  double base_lr = 1e-3;
  int64_t warmup_steps = 0;  // linear from base_lr / warmup_steps up to base_lr
  int64_t step_size = 1;     // step: multiply by gamma every step_size steps
  double gamma = 0.1;
  int64_t total_steps = 1;   // cosine: reaches min_lr at total_steps
  double min_lr = 0;

  // The rate for 0-based `step`.
  NIMBUS_API double lr_at(int64_t step) const;
  // Throws ConfigError naming the field when a value is out of range.
  NIMBUS_API void validate() const;
};

// "constant", "step" or "cosine"; throws ConfigError listing the allowed names otherwise.
NIMBUS_API LrSchedule::Kind parse_schedule_kind(const std::string& name);

}  // namespace nimbus::optim
