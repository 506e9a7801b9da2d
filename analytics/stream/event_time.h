#pragma once
// Event time: how the timestamp column of a stream is written, and its values in microseconds.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "analytics/column.h"
#include "analytics/column_builder.h"
#include "runtime/macros.h"

namespace nimbus::analytics::stream {

enum class TimeFormat {
  seconds,       // integer seconds since 1970-01-01 (Unix time)
  milliseconds,  // integer milliseconds
  microseconds,  // integer microseconds
  iso8601,       // text "YYYY-MM-DD HH:MM:SS[.ffffff]" (or with 'T'), no time zone
};

// "seconds", "milliseconds", "microseconds", "iso8601"; nullopt for anything else.
NIMBUS_API std::optional<TimeFormat> parse_time_format(std::string_view name);
NIMBUS_API std::string_view time_format_name(TimeFormat format);
inline constexpr std::string_view kTimeFormatNames = "seconds, milliseconds, microseconds, iso8601";

// The type the CSV reader is asked to give the column: int64 for the integer forms, timestamp for
// ISO-8601 (the reader parses the text).
NIMBUS_API DataType time_column_type(TimeFormat format);

// Marks a row whose time is NULL: such rows cannot be placed in a window.
inline constexpr int64_t kNoTime = INT64_MIN;

// The column's values as microseconds (kNoTime for NULLs). The column must have
// time_column_type(format)'s type (or int32 for the integer forms). A value whose microseconds
// leave int64's range is a ParseError naming it.
NIMBUS_API std::vector<int64_t> event_times_us(const Column& column, TimeFormat format);

// Window bounds are written back the way the input wrote times: integers in the input's unit (a
// bound that is not a whole unit rounds down), timestamps for ISO-8601.
NIMBUS_API DataType window_bound_type(TimeFormat format);
NIMBUS_API void append_window_bound(ColumnBuilder& builder, int64_t micros, TimeFormat format);

}  // namespace nimbus::analytics::stream
