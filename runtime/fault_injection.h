#pragma once
// Crash testing: an environment variable makes a process kill itself with SIGKILL at a named point
// of a numbered step, so tests can check what survives a crash exactly there (a power cut or the
// OOM killer, no cleanup). The value is "<point>:<n>", e.g. NIMBUS_FAULT=kill-after-step:30; the
// training runner (models/runner/fault_injection.h) and the streaming engine
// (analytics/stream/fault_points.h) name their points. Unset (always, outside tests), a check is
// one getenv.
#include <cstdint>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus {

// True when the environment variable `variable` is "<point>:<n>" with this point and n.
NIMBUS_API bool fault_requested(const char* variable, std::string_view point, int64_t n);
// Kills this process with SIGKILL.
[[noreturn]] NIMBUS_API void kill_self();

}  // namespace nimbus
