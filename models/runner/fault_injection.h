#pragma once
// Crash testing: the environment variable NIMBUS_FAULT makes a training process kill itself with
// SIGKILL at a chosen point, so tests can check that a run resumes exactly after a crash there.
//   NIMBUS_FAULT=kill-after-step:N       right after optimizer step N (between checkpoints)
//   NIMBUS_FAULT=kill-in-checkpoint:N    halfway through writing the checkpoint of step N
// Unset (always, outside tests), a check is one getenv. The parsing is runtime/fault_injection.h.
#include <cstdint>
#include <string_view>

namespace nimbus::models {

enum class FaultPoint { after_step, in_checkpoint };

// True when NIMBUS_FAULT asks for a kill at `point` of `step`.
bool fault_requested(FaultPoint point, int64_t step);
// Kills this process with SIGKILL (no cleanup, like a power cut or the OOM killer).
[[noreturn]] void kill_self();

}  // namespace nimbus::models
