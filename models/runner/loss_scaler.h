#pragma once
// Dynamic loss scaling for fp16 training, as torch.cuda.amp.GradScaler does it.
//
// Note [Loss scaling]: f16 has 5 exponent bits, so gradients below about 6e-8 (2^-24) flush to
// zero in an f16 backward pass. The loss is multiplied by a scale S before backward, which lifts
// every gradient by S into f16's range; the f32 master gradients are multiplied by 1/S before
// clipping and the optimizer (S is a power of two, so both multiplications are exact). When S is
// too large some gradient overflows to inf (or becomes NaN): that step's update is skipped and S is
// halved. After kGrowthInterval steps in a row without overflow S is doubled, so it settles just
// below the largest value that does not overflow. The scale and the count of good steps are part of
// the checkpoint (Note [Exact resume] in trainer.cpp). bf16 has f32's exponent range and needs none
// of this.
#include <cstdint>

#include "runtime/macros.h"

namespace nimbus::models {

struct LossScalerState {
  double scale = 0;        // the current S
  int64_t good_steps = 0;  // steps without overflow since S last changed
};

class NIMBUS_API LossScaler {
 public:
  static constexpr double kInitialScale = 65536.0;  // 2^16, GradScaler's default
  static constexpr double kGrowthFactor = 2.0;
  static constexpr double kBackoffFactor = 0.5;
  static constexpr int64_t kGrowthInterval = 2000;  // good steps before S doubles
  // S never falls below this: a smaller S would not help a run whose gradients overflow anyway,
  // and f32 denormals would follow.
  static constexpr double kMinScale = 1.0 / 65536.0;

  explicit LossScaler(double initial_scale = kInitialScale, int64_t growth_interval = kGrowthInterval);

  double scale() const { return state_.scale; }
  // The factor the master gradients are multiplied by (1/S).
  double inverse_scale() const { return 1.0 / state_.scale; }
  // After a backward: `found_overflow` says whether any gradient was inf or NaN. Returns whether
  // the optimizer may step (false: skip the step; S was halved).
  bool update(bool found_overflow);

  const LossScalerState& state() const { return state_; }
  // Restores a checkpointed state; the scale must be positive.
  void set_state(const LossScalerState& state);
  int64_t growth_interval() const { return growth_interval_; }

 private:
  LossScalerState state_;
  int64_t growth_interval_;
};

}  // namespace nimbus::models
