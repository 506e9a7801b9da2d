#pragma once
// The SQL form of a streaming query, parsed by PostgreSQL's grammar like all Nimbus SQL, with
// Flink's group-window functions in the select list (`window` is a reserved word in PostgreSQL,
// so the function names are Flink's):
//
//   SELECT tumble(ts, INTERVAL '10 seconds') AS w, key, count(*) AS n, avg(value) AS mean
//   FROM events WHERE value >= 0 GROUP BY 1, 2
//
//   hop(ts, INTERVAL '5 seconds', INTERVAL '10 seconds')   -- slide 5 s, size 10 s (Flink's order)
//
// The select list holds one window call, key columns and count(*), count/sum/avg/min/max(column);
// GROUP BY names the window and every key (by position, name or alias). The window becomes the
// columns <alias>_start and <alias>_end ("window_start"/"window_end" without an alias). The FROM
// name is the stream's (any name). Not part of a stream query: HAVING, ORDER BY, LIMIT, DISTINCT,
// joins, expressions in the select list.
#include <string_view>

#include "analytics/stream/stream_query.h"
#include "runtime/macros.h"

namespace nimbus::analytics::stream {

// Fills the window, time column, keys, aggregates and filter of `query` (time format, lateness and
// output mode are the config's). SqlError pointing into the text for anything else.
NIMBUS_API void parse_stream_sql(std::string_view sql, StreamQuery& query);

}  // namespace nimbus::analytics::stream
