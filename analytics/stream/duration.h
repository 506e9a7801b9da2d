#pragma once
// Durations as configs and SQL write them: "10 seconds", "10s", "500 ms", "2 minutes", "1h",
// "1 day" (SQL's INTERVAL text uses the same words). Streaming keeps every time in microseconds.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus::analytics::stream {

// Microseconds, or nullopt when the text is not a whole number followed by a unit (us, ms, s, m,
// h, d and their long forms, singular or plural). A bare number is not accepted: the unit is what
// keeps "10" from meaning seconds to one reader and milliseconds to another.
NIMBUS_API std::optional<int64_t> parse_duration(std::string_view text);

// The accepted forms, for error messages.
inline constexpr std::string_view kDurationForms = "a duration such as '10 seconds', '500ms', '2m' or '1h'";

// "10s", "1.5s" is never produced: whole units only ("1500ms"), the largest that divides exactly.
NIMBUS_API std::string format_duration(int64_t micros);

}  // namespace nimbus::analytics::stream
