#include "analytics/stream/event_time.h"

#include <string>

#include "analytics/stream/window_assigner.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {

namespace {

int64_t unit_micros(TimeFormat format) {
  switch (format) {
    case TimeFormat::seconds: return 1000000;
    case TimeFormat::milliseconds: return 1000;
    default: return 1;
  }
}

}  // namespace

std::optional<TimeFormat> parse_time_format(std::string_view name) {
  if (name == "seconds") return TimeFormat::seconds;
  if (name == "milliseconds") return TimeFormat::milliseconds;
  if (name == "microseconds") return TimeFormat::microseconds;
  if (name == "iso8601") return TimeFormat::iso8601;
  return std::nullopt;
}

std::string_view time_format_name(TimeFormat format) {
  switch (format) {
    case TimeFormat::seconds: return "seconds";
    case TimeFormat::milliseconds: return "milliseconds";
    case TimeFormat::microseconds: return "microseconds";
    case TimeFormat::iso8601: return "iso8601";
  }
  return "?";
}

DataType time_column_type(TimeFormat format) {
  return format == TimeFormat::iso8601 ? DataType::timestamp : DataType::int64;
}

DataType window_bound_type(TimeFormat format) { return time_column_type(format); }

std::vector<int64_t> event_times_us(const Column& column, TimeFormat format) {
  const int64_t n = column.length();
  std::vector<int64_t> out(static_cast<size_t>(n));
  const int64_t unit = unit_micros(format);
  const bool iso = format == TimeFormat::iso8601;
  NIMBUS_CHECK_T(DTypeError,
                 iso ? column.type() == DataType::timestamp
                     : (column.type() == DataType::int64 || column.type() == DataType::int32),
                 "stream: the time column is ", data_type_name(column.type()), ", but time format '",
                 time_format_name(format), "' needs ", iso ? "timestamps" : "integers");
  // A time that does not fit in microseconds is no usable time: the row is dropped and counted
  // like a missing one (throwing would fail the batch again on every restart, its offsets being
  // logged already).
  auto convert = [&](int64_t v, int64_t) {
    int64_t micros = 0;
    return __builtin_mul_overflow(v, unit, &micros) ? kNoTime : micros;
  };
  if (column.type() == DataType::int32) {
    const int32_t* v = column.values<int32_t>();
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = column.is_null(i) ? kNoTime : convert(v[i], i);
  } else {
    const int64_t* v = column.values<int64_t>();
    if (!column.has_nulls() && unit == 1) {
      for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = v[i] == kNoTime ? convert(v[i], i) : v[i];
    } else {
      for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = column.is_null(i) ? kNoTime : convert(v[i], i);
    }
  }
  return out;
}

void append_window_bound(ColumnBuilder& builder, int64_t micros, TimeFormat format) {
  if (format == TimeFormat::iso8601) builder.append_timestamp(micros);
  else builder.append_int64(floor_div(micros, unit_micros(format)));
}

}  // namespace nimbus::analytics::stream
