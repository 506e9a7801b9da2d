// A streaming query over micro-batches: late rows (older than the previous batch's watermark)
// dropped and counted, append output (a window once, when the watermark passes its end) against
// update output (changed windows every batch), sliding windows, NULL times and values, WHERE, and
// a restore from a snapshot continuing exactly as the uninterrupted run.
#include <gtest/gtest.h>

#include "analytics/column_builder.h"
#include "analytics/csv/csv_writer.h"
#include "analytics/stream/window_aggregator.h"

namespace nimbus::analytics::stream {
namespace {

struct Event {
  std::optional<int64_t> ts;  // seconds
  std::string key;
  std::optional<double> value;
};

Table events(const std::vector<Event>& rows) {
  ColumnBuilder ts(DataType::int64), key(DataType::string), value(DataType::float64);
  for (const Event& e : rows) {
    if (e.ts) ts.append_int64(*e.ts);
    else ts.append_null();
    key.append_string(e.key);
    if (e.value) value.append_float64(*e.value);
    else value.append_null();
  }
  return Table({"ts", "key", "value"}, {ts.finish(), key.finish(), value.finish()});
}

StreamQuery query(OutputMode mode, int64_t size = 10, int64_t slide = 10, int64_t lateness = 2) {
  StreamQuery q;
  q.time_column = "ts";
  q.time_format = TimeFormat::seconds;
  q.window = {size * 1000000, slide * 1000000};
  q.lateness_us = lateness * 1000000;
  q.keys = {"key"};
  q.aggregates = {{StreamAggregate::count_star, "", "n", false},
                  {StreamAggregate::sum, "value", "total", false},
                  {StreamAggregate::max, "value", "top", false}};
  q.mode = mode;
  return q;
}

std::string run(WindowAggregator& a, const std::vector<Event>& rows, BatchStats* stats_out = nullptr) {
  BatchStats stats;
  const Table out = a.process({events(rows)}, stats);
  if (stats_out) *stats_out = stats;
  CsvWriteOptions options;
  options.header = false;
  return to_csv_text(out, options);
}

TEST(StreamAggregator, AppendWritesEachWindowOnceWhenTheWatermarkPassesIt) {
  WindowAggregator a(query(OutputMode::append));
  BatchStats s;
  EXPECT_EQ(run(a, {{0, "a", 1}, {5, "b", 2}, {9, "a", 3}}, &s), "");
  EXPECT_EQ(a.watermark(), 7 * 1000000);  // 9 - 2
  // 12 moves the watermark to 10: [0, 10) is final, with the row at 10 s in the next window.
  EXPECT_EQ(run(a, {{10, "a", 4}, {12, "a", 5}}, &s), "0,10,a,2,4,3\n0,10,b,1,2,2\n");
  EXPECT_EQ(s.windows_emitted, 2);
  EXPECT_EQ(a.open_windows(), 1u);
  EXPECT_EQ(run(a, {{31, "c", 1}}, &s), "10,20,a,2,9,5\n");
}

TEST(StreamAggregator, LateRowsAreDroppedAndCounted) {
  WindowAggregator a(query(OutputMode::append));
  BatchStats s;
  run(a, {{20, "a", 1}}, &s);  // watermark 18
  EXPECT_EQ(run(a, {{17, "a", 100}, {18, "a", 2}, {3, "b", 9}, {std::nullopt, "a", 1}}, &s), "");
  EXPECT_EQ(s.rows, 4);
  EXPECT_EQ(s.late_rows, 2);
  EXPECT_EQ(s.no_time_rows, 1);
  EXPECT_EQ(run(a, {{40, "z", 0}}, &s), "10,20,a,1,2,2\n20,30,a,1,1,1\n");
}

TEST(StreamAggregator, TimesWhoseWindowsWouldOverflowAreDroppedLikeMissingOnes) {
  StreamQuery q = query(OutputMode::update);
  q.time_format = TimeFormat::microseconds;
  WindowAggregator a(q);
  BatchStats s;
  EXPECT_EQ(run(a, {{INT64_MAX, "a", 1}, {INT64_MAX - 5, "a", 1}, {INT64_MIN + 1, "b", 1}, {1000000, "c", 2}}, &s),
            "0,10000000,c,1,2,2\n");
  EXPECT_EQ(s.no_time_rows, 3);
  EXPECT_EQ(a.watermark(), 1000000 - 2000000) << "dropped times do not move the watermark";
}

TEST(StreamAggregator, LateRowsDoNotReopenFinalWindows) {
  WindowAggregator a(query(OutputMode::append, 10, 10, 0));
  BatchStats s;
  EXPECT_EQ(run(a, {{5, "a", 1}, {10, "a", 1}}, &s), "0,10,a,1,1,1\n");
  EXPECT_EQ(run(a, {{9, "a", 7}, {25, "a", 1}}, &s), "10,20,a,1,1,1\n");
  EXPECT_EQ(s.late_rows, 1);
}

TEST(StreamAggregator, UpdateWritesChangedWindowsEveryBatch) {
  WindowAggregator a(query(OutputMode::update));
  BatchStats s;
  EXPECT_EQ(run(a, {{1, "a", 1}, {2, "b", 1}}, &s), "0,10,a,1,1,1\n0,10,b,1,1,1\n");
  EXPECT_EQ(run(a, {{3, "a", 5}}, &s), "0,10,a,2,6,5\n");
  // The watermark passes [0, 10): it is forgotten, and later rows for it are late.
  EXPECT_EQ(run(a, {{15, "a", 2}}, &s), "10,20,a,1,2,2\n");
  EXPECT_EQ(a.open_windows(), 1u);
  EXPECT_EQ(run(a, {{4, "a", 1}}, &s), "");
  EXPECT_EQ(s.late_rows, 1);
}

TEST(StreamAggregator, SlidingWindowsCountARowInEachOfItsWindows) {
  WindowAggregator a(query(OutputMode::append, 10, 5, 0));
  BatchStats s;
  // Watermark 12 closes [0, 10); 30 closes [5, 15) and [10, 20) (and nothing later holds a row).
  EXPECT_EQ(run(a, {{7, "a", 1}, {12, "a", 2}}, &s), "0,10,a,1,1,1\n");
  EXPECT_EQ(run(a, {{30, "z", 0}}, &s), "5,15,a,2,3,2\n10,20,a,1,2,2\n");
}

TEST(StreamAggregator, NullValuesAndWhere) {
  StreamQuery q = query(OutputMode::append, 10, 10, 0);
  q.where = "key <> 'skip'";
  WindowAggregator a(q);
  BatchStats s;
  run(a, {{1, "a", std::nullopt}, {2, "skip", 5}, {3, "b", 1}}, &s);
  EXPECT_EQ(s.filtered_rows, 1);
  EXPECT_EQ(run(a, {{10, "z", 0}}, &s), "0,10,a,1,,\n0,10,b,1,1,1\n");
}

TEST(StreamAggregator, RestoredSnapshotContinuesLikeTheUninterruptedRun) {
  const std::vector<std::vector<Event>> batches{
      {{1, "a", 1.5}, {4, "b", 0.1}}, {{11, "a", 0.2}, {2, "a", 9}}, {{25, "b", 3}, {19, "a", 1}}, {{60, "c", 1}}};
  WindowAggregator whole(query(OutputMode::append));
  std::string expected;
  for (const auto& b : batches) expected += run(whole, b);
  WindowAggregator first(query(OutputMode::append));
  std::string got = run(first, batches[0]);
  got += run(first, batches[1]);
  WindowAggregator second(query(OutputMode::append));
  second.restore(first.snapshot());
  EXPECT_EQ(second.snapshot(), first.snapshot());
  got += run(second, batches[2]);
  got += run(second, batches[3]);
  EXPECT_EQ(got, expected);
  std::string damaged = first.snapshot();
  damaged[damaged.size() / 2] ^= 1;
  EXPECT_THROW(second.restore(damaged), ParseError);
}

TEST(StreamAggregator, QueryChecks) {
  StreamQuery q = query(OutputMode::append);
  q.aggregates.push_back({StreamAggregate::count_star, "", "n", false});
  EXPECT_THROW(WindowAggregator{q}, ConfigError);
  q = query(OutputMode::append);
  q.where = "value >";
  EXPECT_THROW(WindowAggregator{q}, ParseError);
  q = query(OutputMode::append);
  q.keys = {"ts"};
  EXPECT_THROW(WindowAggregator{q}, ConfigError);
}

}  // namespace
}  // namespace nimbus::analytics::stream
