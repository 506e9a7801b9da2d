#include "analytics/stream/window_assigner.h"

#include <cstdint>
#include <numeric>

namespace nimbus::analytics::stream {

int64_t WindowSpec::pane_us() const { return std::gcd(size_us, slide_us); }

WindowRange windows_containing(const WindowSpec& spec, int64_t t) {
  // The last window holding t starts at the slide boundary at or before t; earlier ones go back a
  // slide at a time while they still reach past t (start + size > t).
  const int64_t last = floor_div(t, spec.slide_us) * spec.slide_us;
  const int64_t into = t - last;  // in [0, slide)
  if (into >= spec.size_us) return {last, 0};  // t falls in a gap between windows
  // The window k slides earlier holds t while k * slide < size - into.
  const int64_t earlier = (spec.size_us - into - 1) / spec.slide_us;
  WindowRange range;
  range.first_start = last - earlier * spec.slide_us;
  range.count = earlier + 1;
  return range;
}

int64_t pane_start(const WindowSpec& spec, int64_t t) {
  const int64_t pane = spec.pane_us();
  return floor_div(t, pane) * pane;
}

bool window_bounds_fit(const WindowSpec& spec, int64_t t) {
  // Every window holding t starts after t - size - slide and ends by t + size.
  int64_t reach = 0;
  if (__builtin_add_overflow(spec.size_us, spec.slide_us, &reach)) return false;
  return t >= INT64_MIN + reach && t <= INT64_MAX - reach;
}

}  // namespace nimbus::analytics::stream
