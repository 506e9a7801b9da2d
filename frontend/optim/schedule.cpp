#include "frontend/optim/schedule.h"

#include <algorithm>
#include <cmath>

#include "runtime/error.h"

namespace nimbus::optim {

void LrSchedule::validate() const {
  NIMBUS_CHECK_T(ConfigError, base_lr >= 0 && std::isfinite(base_lr), "schedule: base_lr must be >= 0, got ", base_lr);
  NIMBUS_CHECK_T(ConfigError, warmup_steps >= 0, "schedule: warmup_steps must be >= 0, got ", warmup_steps);
  NIMBUS_CHECK_T(ConfigError, kind != Kind::step || step_size > 0, "schedule: step_size must be > 0, got ", step_size);
  NIMBUS_CHECK_T(ConfigError, kind != Kind::cosine || total_steps > warmup_steps, "schedule: total_steps (",
                 total_steps, ") must exceed warmup_steps (", warmup_steps, ") for cosine decay");
  NIMBUS_CHECK_T(ConfigError, min_lr >= 0 && min_lr <= base_lr, "schedule: min_lr must be in [0, base_lr], got ",
                 min_lr);
}

double LrSchedule::lr_at(int64_t step) const {
  if (step < warmup_steps) return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  const int64_t after = step - warmup_steps;
  switch (kind) {
    case Kind::constant: return base_lr;
    case Kind::step: return base_lr * std::pow(gamma, static_cast<double>(after / step_size));
    case Kind::cosine: {
      const double progress = std::min(1.0, static_cast<double>(after) / static_cast<double>(total_steps - warmup_steps));
      return min_lr + 0.5 * (base_lr - min_lr) * (1 + std::cos(M_PI * progress));
    }
  }
  return base_lr;
}

LrSchedule::Kind parse_schedule_kind(const std::string& name) {
  if (name == "constant") return LrSchedule::Kind::constant;
  if (name == "step") return LrSchedule::Kind::step;
  if (name == "cosine") return LrSchedule::Kind::cosine;
  NIMBUS_THROW(ConfigError, "schedule: unknown kind '", name, "' (expected constant, step or cosine)");
}

}  // namespace nimbus::optim
