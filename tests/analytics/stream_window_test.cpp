// Window assignment: tumbling and sliding windows at their boundaries (an event exactly on a
// boundary belongs to the window starting there), zero and negative times (floor, not
// truncation), gaps when the slide exceeds the size, and panes (Note [Panes]).
#include <gtest/gtest.h>

#include "analytics/stream/duration.h"
#include "analytics/stream/event_time.h"
#include "analytics/stream/window_assigner.h"

namespace nimbus::analytics::stream {
namespace {

constexpr int64_t kSecond = 1000000;

WindowSpec tumbling(int64_t size) { return {size * kSecond, size * kSecond}; }
WindowSpec sliding(int64_t size, int64_t slide) { return {size * kSecond, slide * kSecond}; }

TEST(StreamWindow, FloorDivisionRoundsDown) {
  EXPECT_EQ(floor_div(7, 5), 1);
  EXPECT_EQ(floor_div(-7, 5), -2);
  EXPECT_EQ(floor_div(-5, 5), -1);
  EXPECT_EQ(floor_div(0, 5), 0);
  EXPECT_EQ(floor_div(-1, 5), -1);
}

TEST(StreamWindow, TumblingBoundaries) {
  const WindowSpec w = tumbling(10);
  EXPECT_EQ(windows_containing(w, 0).first_start, 0);
  EXPECT_EQ(windows_containing(w, 0).count, 1);
  EXPECT_EQ(windows_containing(w, 10 * kSecond - 1).first_start, 0);
  // Exactly on a boundary: the window that starts there, not the one that ends there.
  EXPECT_EQ(windows_containing(w, 10 * kSecond).first_start, 10 * kSecond);
  EXPECT_EQ(windows_containing(w, 10 * kSecond).count, 1);
}

TEST(StreamWindow, TumblingNegativeTimes) {
  const WindowSpec w = tumbling(10);
  EXPECT_EQ(windows_containing(w, -1).first_start, -10 * kSecond);
  EXPECT_EQ(windows_containing(w, -10 * kSecond).first_start, -10 * kSecond);
  EXPECT_EQ(windows_containing(w, -10 * kSecond - 1).first_start, -20 * kSecond);
}

TEST(StreamWindow, SlidingWindowsHoldingATime) {
  const WindowSpec w = sliding(10, 5);
  // t = 7 s: windows [0, 10) and [5, 15).
  WindowRange r = windows_containing(w, 7 * kSecond);
  EXPECT_EQ(r.first_start, 0);
  EXPECT_EQ(r.count, 2);
  // t = 10 s, on a boundary: [5, 15) and [10, 20), not [0, 10).
  r = windows_containing(w, 10 * kSecond);
  EXPECT_EQ(r.first_start, 5 * kSecond);
  EXPECT_EQ(r.count, 2);
  // t = 0: [-5, 5) and [0, 10).
  r = windows_containing(w, 0);
  EXPECT_EQ(r.first_start, -5 * kSecond);
  EXPECT_EQ(r.count, 2);
  // t = -1 us: [-10, 0) and [-5, 5).
  r = windows_containing(w, -1);
  EXPECT_EQ(r.first_start, -10 * kSecond);
  EXPECT_EQ(r.count, 2);
}

TEST(StreamWindow, SlidingWindowsThatDoNotDivide) {
  const WindowSpec w = sliding(10, 4);  // starts 0, 4, 8, ...; t = 9 is in [0,10), [4,14), [8,18)
  WindowRange r = windows_containing(w, 9 * kSecond);
  EXPECT_EQ(r.first_start, 0);
  EXPECT_EQ(r.count, 3);
  r = windows_containing(w, 10 * kSecond);  // [4,14), [8,18)
  EXPECT_EQ(r.first_start, 4 * kSecond);
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(w.pane_us(), 2 * kSecond);
}

TEST(StreamWindow, SlideLongerThanSizeLeavesGaps) {
  const WindowSpec w = sliding(5, 10);  // [0,5), [10,15), ...
  EXPECT_EQ(windows_containing(w, 3 * kSecond).count, 1);
  EXPECT_EQ(windows_containing(w, 5 * kSecond).count, 0);
  EXPECT_EQ(windows_containing(w, 9 * kSecond).count, 0);
  EXPECT_EQ(windows_containing(w, -3 * kSecond).count, 0);  // gap [-5, 0)
  EXPECT_EQ(windows_containing(w, -6 * kSecond).first_start, -10 * kSecond);
}

TEST(StreamWindow, EveryTimeOfAPaneIsInThePanesWindows) {
  for (const WindowSpec w : {tumbling(10), sliding(10, 5), sliding(10, 4), sliding(6, 9)}) {
    for (int64_t t = -25 * kSecond; t <= 25 * kSecond; t += kSecond / 2) {
      const WindowRange of_time = windows_containing(w, t);
      const WindowRange of_pane = windows_containing(w, pane_start(w, t));
      EXPECT_EQ(of_time.count, of_pane.count) << t;
      if (of_time.count > 0) {
        EXPECT_EQ(of_time.first_start, of_pane.first_start) << t;
      }
      // Brute force: the windows are exactly the slide multiples s with s <= t < s + size.
      int64_t count = 0;
      for (int64_t s = floor_div(-60 * kSecond, w.slide_us) * w.slide_us; s <= 60 * kSecond; s += w.slide_us) count += s <= t && t < s + w.size_us;
      EXPECT_EQ(of_time.count, count) << t;
    }
  }
}

TEST(StreamWindow, TimesWhoseWindowsWouldOverflowDoNotFit) {
  const WindowSpec w = sliding(10, 5);
  const int64_t reach = 15 * kSecond;
  EXPECT_TRUE(window_bounds_fit(w, 0));
  EXPECT_TRUE(window_bounds_fit(w, INT64_MAX - reach));
  EXPECT_FALSE(window_bounds_fit(w, INT64_MAX - reach + 1));
  EXPECT_FALSE(window_bounds_fit(w, INT64_MAX));
  EXPECT_TRUE(window_bounds_fit(w, INT64_MIN + reach));
  EXPECT_FALSE(window_bounds_fit(w, INT64_MIN + reach - 1));
  // Every window of a time that fits has a representable end.
  const WindowRange r = windows_containing(w, INT64_MAX - reach);
  const int64_t last_start = r.first_start + (r.count - 1) * w.slide_us;
  EXPECT_LE(last_start, INT64_MAX - w.size_us);
  EXPECT_FALSE(window_bounds_fit({INT64_MAX, INT64_MAX}, 0)) << "size + slide itself overflows";
}

TEST(StreamWindow, Durations) {
  EXPECT_EQ(parse_duration("10 seconds"), 10 * kSecond);
  EXPECT_EQ(parse_duration("10s"), 10 * kSecond);
  EXPECT_EQ(parse_duration("500ms"), 500000);
  EXPECT_EQ(parse_duration("2 Minutes"), 120 * kSecond);
  EXPECT_EQ(parse_duration("1h"), 3600 * kSecond);
  EXPECT_EQ(parse_duration("0s"), 0);
  EXPECT_FALSE(parse_duration("10"));
  EXPECT_FALSE(parse_duration("ten seconds"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("5 fortnights"));
  EXPECT_EQ(format_duration(90 * kSecond), "90s");
  EXPECT_EQ(format_duration(1500000), "1500ms");
}

TEST(StreamWindow, EventTimesInEachFormat) {
  ColumnBuilder seconds(DataType::int64);
  seconds.append_int64(-2);
  seconds.append_null();
  seconds.append_int64(3);
  const std::vector<int64_t> t = event_times_us(seconds.finish(), TimeFormat::seconds);
  EXPECT_EQ(t, (std::vector<int64_t>{-2 * kSecond, kNoTime, 3 * kSecond}));
  ColumnBuilder millis(DataType::int64);
  millis.append_int64(1500);
  EXPECT_EQ(event_times_us(millis.finish(), TimeFormat::milliseconds)[0], 1500000);
  ColumnBuilder iso(DataType::timestamp);
  iso.append_timestamp(42);
  EXPECT_EQ(event_times_us(iso.finish(), TimeFormat::iso8601)[0], 42);
  // A time that does not fit in microseconds is no usable time (the row is dropped and counted),
  // not an error that would fail its batch again on every restart.
  ColumnBuilder huge(DataType::int64);
  huge.append_int64(INT64_MAX / 10);
  huge.append_int64(7);
  EXPECT_EQ(event_times_us(huge.finish(), TimeFormat::seconds), (std::vector<int64_t>{kNoTime, 7 * kSecond}));
  ColumnBuilder text(DataType::string);
  text.append_string("x");
  EXPECT_THROW(event_times_us(text.finish(), TimeFormat::seconds), DTypeError);
}

}  // namespace
}  // namespace nimbus::analytics::stream
