// Date parts of a date32 (days) or timestamp (µs): year, month, day, hour, minute, second and
// dayofweek (DuckDB's numbering, Sunday = 0), all int64. Times before 1970 are negative counts and
// are split with floor division, so 1969-12-31 23:00 is hour 23 of day -1, not hour -1 of day 0.
#include "analytics/date_time.h"
#include "analytics/expr/eval_node.h"

namespace nimbus::analytics {

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

int64_t part_of(Function part, int64_t days, int64_t micros_of_day) {
  switch (part) {
    case Function::year: return civil_from_days(days).year;
    case Function::month: return civil_from_days(days).month;
    case Function::day: return civil_from_days(days).day;
    case Function::hour: return micros_of_day / (3600 * kMicrosPerSecond);
    case Function::minute: return micros_of_day / (60 * kMicrosPerSecond) % 60;
    case Function::second: return micros_of_day / kMicrosPerSecond % 60;
    default:  // dayofweek: 1970-01-01 was a Thursday (4 when Sunday is 0)
      return days + 4 - floor_div(days + 4, 7) * 7;
  }
}

}  // namespace

Vector eval_date_part(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  const Vector in = eval_node(*e.children[0], ctx, active);
  Vector out(DataType::int64, ctx.rows);
  out.set_validity(in.validity());
  int64_t* r = out.allocate<int64_t>();
  if (in.type() == DataType::date32) {
    const int32_t* days = in.data<int32_t>();
    for (int64_t i = 0; i < ctx.rows; ++i) r[i] = part_of(e.function, days[i], 0);
  } else {
    const int64_t* micros = in.data<int64_t>();
    for (int64_t i = 0; i < ctx.rows; ++i) {
      const int64_t days = floor_div(micros[i], kMicrosPerDay);
      r[i] = part_of(e.function, days, micros[i] - days * kMicrosPerDay);
    }
  }
  return out;
}

}  // namespace nimbus::analytics
