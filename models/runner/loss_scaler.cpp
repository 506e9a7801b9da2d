#include "models/runner/loss_scaler.h"

#include <algorithm>
#include <cmath>

#include "runtime/error.h"

namespace nimbus::models {

LossScaler::LossScaler(double initial_scale, int64_t growth_interval) : growth_interval_(growth_interval) {
  NIMBUS_CHECK_T(ConfigError, growth_interval > 0, "LossScaler: the growth interval must be positive, got ",
                 growth_interval);
  set_state({initial_scale, 0});
}

bool LossScaler::update(bool found_overflow) {
  if (found_overflow) {
    state_.scale = std::max(state_.scale * kBackoffFactor, kMinScale);
    state_.good_steps = 0;
    return false;
  }
  if (++state_.good_steps >= growth_interval_) {
    // A growth that would overflow f32 itself is not taken (GradScaler does the same).
    if (std::isfinite(state_.scale * kGrowthFactor)) state_.scale *= kGrowthFactor;
    state_.good_steps = 0;
  }
  return true;
}

void LossScaler::set_state(const LossScalerState& state) {
  NIMBUS_CHECK_T(ConfigError, state.scale > 0 && std::isfinite(state.scale) && state.good_steps >= 0,
                 "LossScaler: invalid state (scale ", state.scale, ", good steps ", state.good_steps, ")");
  state_ = state;
}

}  // namespace nimbus::models
