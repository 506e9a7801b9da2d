#pragma once
// Event-time windows: tumbling (slide = size) and sliding ("hop": a window of `size` starting
// every `slide`). Window starts are multiples of the slide counted from time 0 (1970-01-01), and a
// window holds the times in [start, start + size): an event exactly on a boundary belongs to the
// window that starts there, not to the one that ends there.
//
// Note [Panes]
// A micro-batch aggregates rows into panes first and panes into windows afterwards. A pane is an
// interval of gcd(size, slide) aligned like the windows, so every window boundary is a pane
// boundary and all times of one pane lie in the same windows. Aggregating per pane is one pass
// over the rows whatever the number of windows per row (size / slide of them); each pane's partial
// aggregate is then merged into each of its windows, work proportional to groups, not rows.
#include <cstdint>

#include "analytics/date_time.h"
#include "runtime/macros.h"

namespace nimbus::analytics::stream {

using analytics::floor_div;  // analytics/date_time.h

struct NIMBUS_API WindowSpec {
  int64_t size_us = 0;
  int64_t slide_us = 0;  // == size_us for tumbling windows

  bool tumbling() const { return size_us == slide_us; }
  int64_t pane_us() const;
};

// The windows holding time t: starts first_start, first_start + slide, ... (count of them).
struct WindowRange {
  int64_t first_start = 0;
  int64_t count = 0;
};

// Both sizes must be positive (checked by the config); slide > size leaves gaps between windows,
// and times in a gap are in no window (count 0).
NIMBUS_API WindowRange windows_containing(const WindowSpec& spec, int64_t t);
// The start of the pane holding t.
NIMBUS_API int64_t pane_start(const WindowSpec& spec, int64_t t);
// Whether the start and end of every window holding t fit in int64 microseconds: false for times
// within a window size and a slide of either end of the range (about 292,000 years from 1970),
// whose window arithmetic would overflow. Such times are no usable event time.
NIMBUS_API bool window_bounds_fit(const WindowSpec& spec, int64_t t);

}  // namespace nimbus::analytics::stream
