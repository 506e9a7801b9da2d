#pragma once
// One streaming query's work per micro-batch (Spark's stateful aggregation with a watermark):
//
//   1. event times of the batch's rows; rows with no time are dropped and counted; rows older than
//      the watermark of the previous batch are late: dropped and counted;
//   2. the WHERE filter;
//   3. group_by (pane, keys) over the remaining rows: partial aggregates (Note [Panes]);
//   4. each pane's partials merged into its windows' state;
//   5. watermark = max(watermark, largest event time seen - lateness);
//   6. output: append writes the windows the watermark has passed (and forgets them); update
//      writes every window this batch changed, then forgets the ones the watermark has passed.
//
// A batch's result depends only on the state before it and its rows in order, never on timing or
// thread count: re-running a batch from a snapshot gives the same bytes (Note [Exactly once] in
// stream_engine.h).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/expr/expr.h"
#include "analytics/stream/stream_query.h"
#include "analytics/stream/window_state.h"
#include "analytics/table.h"
#include "runtime/macros.h"

namespace nimbus::analytics::stream {

struct BatchStats {
  int64_t rows = 0;             // rows read
  int64_t no_time_rows = 0;     // dropped: NULL event time, or one whose windows overflow int64 us
  int64_t late_rows = 0;        // dropped: older than the watermark
  int64_t filtered_rows = 0;    // dropped by WHERE
  int64_t windows_emitted = 0;  // output rows
  int64_t max_event_time = kNoTime;
};

class NIMBUS_API WindowAggregator {
 public:
  // Checks the query (keys and aggregates distinct, outputs distinct) and parses its WHERE.
  explicit WindowAggregator(StreamQuery query);

  const StreamQuery& query() const { return query_; }
  // The types the query needs its columns read as: keys as text, the time column per its format,
  // aggregate inputs as int64 or float64.
  std::map<std::string, DataType> required_column_types() const;

  // One micro-batch; `parts` are its pieces (one per file) in order, each with the columns of
  // required_column_types (and any others WHERE reads). Returns the rows to write.
  Table process(const std::vector<Table>& parts, BatchStats& stats);

  // kNoTime until the first event.
  int64_t watermark() const { return watermark_; }
  size_t open_windows() const { return state_.size(); }
  // The output's columns with no rows (a sink's header before any window is final).
  Table empty_output() const;

  // Watermark and state as bytes, and back.
  std::string snapshot() const;
  void restore(std::string_view bytes);

 private:
  Table partial_rows(const Table& part, BatchStats& stats, int64_t& max_time) const;
  void merge_partials(const Table& groups);
  Table output(const std::vector<WindowGroup>& groups) const;

  StreamQuery query_;
  ExprPtr where_;
  WindowState state_;
  int64_t watermark_ = kNoTime;
};

}  // namespace nimbus::analytics::stream
