#pragma once
// What a streaming query computes: rows of a stream, optionally filtered, grouped into event-time
// windows and keys, with count/sum/avg/min/max per group, a watermark that bounds how late a row
// may arrive, and when results are written (output mode). The YAML form and the SQL form
// (stream_sql.h) both end up here.
#include <cstdint>
#include <string>
#include <vector>

#include "analytics/expr/expr.h"
#include "analytics/stream/event_time.h"
#include "analytics/stream/window_assigner.h"
#include "analytics/stream/window_state.h"

namespace nimbus::analytics::stream {

enum class OutputMode {
  append,  // a window is written once, final, when the watermark passes its end
  update,  // every window a batch changed is written with its current values, each batch
};

struct StreamQuery {
  std::string time_column;
  TimeFormat time_format = TimeFormat::seconds;
  WindowSpec window;
  int64_t lateness_us = 0;  // the watermark trails the largest event time seen by this much
  std::vector<std::string> keys;
  std::vector<AggregateSpec> aggregates;
  std::string where;  // a SQL boolean expression over the input columns; empty keeps every row
  ExprPtr where_expr;  // the same, already translated (the SQL form); parsed from `where` when null
  std::string window_start_name = "window_start";
  std::string window_end_name = "window_end";
  OutputMode mode = OutputMode::append;
};

}  // namespace nimbus::analytics::stream
