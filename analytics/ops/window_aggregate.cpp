// count, sum, avg, min and max over window frames, as sweeps over each
// partition (Note [Window frames] in window_rows.h).
#include <string>

#include "analytics/ops/aggregate_kernels.h"
#include "analytics/ops/column_buffers.h"
#include "analytics/ops/sort_key_words.h"
#include "analytics/ops/take.h"
#include "analytics/ops/window_rows.h"

namespace nimbus::analytics::detail {

namespace {

// Drives `state` over the partition [begin, end): state.add(position) for each
// position entering the frame, state.remove(position) for each leaving it (only
// when State::kCanRemove; otherwise every bounded frame is added afresh after
// state.reset()), state.emit(position) once the frame of `position` is in
// place.
template <typename State>
void sweep_partition(const WindowRows &rows, const WindowFrame &frame,
                     int64_t begin, int64_t end, State &state) {
  if (frame.start ==
      kUnboundedPreceding) { // grows forward from the partition's start
    int64_t added_end = begin;
    for (int64_t p = begin; p < end; ++p) {
      const int64_t fe = frame_at(rows, frame, p, begin, end).second;
      while (added_end < fe)
        state.add(added_end++);
      state.emit(p);
    }
  } else if (frame.end ==
             kUnboundedFollowing) { // grows backward from the partition's end
    int64_t added_begin = end;
    for (int64_t p = end - 1; p >= begin; --p) {
      const int64_t fs = frame_at(rows, frame, p, begin, end).first;
      while (added_begin > fs)
        state.add(--added_begin);
      state.emit(p);
    }
  } else if constexpr (State::kCanRemove) { // slides
    int64_t added_begin = begin, added_end = begin;
    for (int64_t p = begin; p < end; ++p) {
      const auto [fs, fe] = frame_at(rows, frame, p, begin, end);
      while (added_end < fe)
        state.add(added_end++);
      while (added_begin < fs)
        state.remove(added_begin++);
      state.emit(p);
    }
  } else {
    for (int64_t p = begin; p < end; ++p) {
      const auto [fs, fe] = frame_at(rows, frame, p, begin, end);
      state.reset();
      for (int64_t q = fs; q < fe; ++q)
        state.add(q);
      state.emit(p);
    }
  }
}

// Per-row results in the table's row order.
template <typename T> struct RowResults {
  std::vector<T> values;
  std::vector<uint8_t> valid;
  explicit RowResults(int64_t rows)
      : values(static_cast<size_t>(rows)), valid(static_cast<size_t>(rows), 1) {
  }
  void set(int64_t row, T value) { values[static_cast<size_t>(row)] = value; }
  void set_null(int64_t row) { valid[static_cast<size_t>(row)] = 0; }
};

struct CountState {
  static constexpr bool kCanRemove = true;
  const WindowRows &rows;
  const Column *input; // null: count(*)
  RowResults<int64_t> &out;
  int64_t count = 0;
  bool counts(int64_t p) const {
    return input == nullptr || input->is_valid(rows.row_at(p));
  }
  void reset() { count = 0; }
  void add(int64_t p) { count += counts(p) ? 1 : 0; }
  void remove(int64_t p) { count -= counts(p) ? 1 : 0; }
  void emit(int64_t p) { out.set(rows.row_at(p), count); }
};

// Integer sums and averages: 128-bit totals are exact whatever the order of
// adds and removes, as group_by's (DuckDB sums integers into a 128-bit
// HUGEINT).
template <typename T> struct IntegerSumState {
  static constexpr bool kCanRemove = true;
  const WindowRows &rows;
  const Column &input;
  const T *values;
  bool average;
  RowResults<int64_t> *sums;
  RowResults<double> *averages;
  const std::string &label;
  __int128 total = 0;
  int64_t count = 0;
  void reset() { total = 0, count = 0; }
  void add(int64_t p) { step(p, 1); }
  void remove(int64_t p) { step(p, -1); }
  void step(int64_t p, int sign) {
    const int64_t row = rows.row_at(p);
    if (input.is_null(row))
      return;
    total += sign * static_cast<__int128>(values[row]);
    count += sign;
  }
  void emit(int64_t p) {
    const int64_t row = rows.row_at(p);
    if (count == 0) {
      average ? averages->set_null(row) : sums->set_null(row);
    } else if (average) {
      averages->set(row,
                    static_cast<double>(total) / static_cast<double>(count));
    } else {
      NIMBUS_CHECK_T(DTypeError, total >= INT64_MIN && total <= INT64_MAX,
                     "window: ", label, " overflows int64 at row ", row);
      sums->set(row, static_cast<int64_t>(total));
    }
  }
};

// Float sums and averages add in position order and never subtract (Note
// [Window frames]).
template <typename T> struct FloatSumState {
  static constexpr bool kCanRemove = false;
  const WindowRows &rows;
  const Column &input;
  const T *values;
  bool average;
  RowResults<double> &out;
  double total = 0;
  int64_t count = 0;
  void reset() { total = 0, count = 0; }
  void add(int64_t p) {
    const int64_t row = rows.row_at(p);
    if (input.is_null(row))
      return;
    total += static_cast<double>(values[row]);
    ++count;
  }
  void remove(int64_t) {}
  void emit(int64_t p) {
    const int64_t row = rows.row_at(p);
    if (count == 0)
      out.set_null(row);
    else
      out.set(row, average ? total / static_cast<double>(count) : total);
  }
};

// min and max: the positions that may still become the frame's extreme, best
// first (a monotonic deque); the result is the row the best one names, gathered
// by take().
struct ExtremeState {
  static constexpr bool kCanRemove = true;
  const WindowRows &rows;
  const Column &input;
  const SortKeyWords &words; // the input's order, over table rows
  bool maximum;
  std::vector<int64_t> &picks;
  std::vector<int64_t> candidates; // [head, size): the live ones
  size_t head = 0;
  bool better(int64_t a, int64_t b) const { // positions
    return maximum ? words.less(rows.row_at(b), rows.row_at(a))
                   : words.less(rows.row_at(a), rows.row_at(b));
  }
  void reset() { candidates.clear(), head = 0; }
  void add(int64_t p) {
    if (input.is_null(rows.row_at(p)))
      return;
    while (candidates.size() > head && !better(candidates.back(), p))
      candidates.pop_back();
    candidates.push_back(p);
  }
  void remove(int64_t p) {
    if (candidates.size() > head && candidates[head] == p)
      ++head;
  }
  void emit(int64_t p) {
    picks[static_cast<size_t>(rows.row_at(p))] =
        candidates.size() > head ? rows.row_at(candidates[head]) : kNullRow;
  }
};

} // namespace

Column window_aggregate(const WindowRows &rows, const WindowCall &call,
                        const Column *input, const std::string &label) {
  const WindowFrame &frame = call.frame;
  switch (call.function) {
  case WindowFunction::count:
  case WindowFunction::count_star: {
    RowResults<int64_t> out(rows.rows);
    rows.for_each_partition([&](int64_t begin, int64_t end) {
      CountState state{
          rows, call.function == WindowFunction::count ? input : nullptr, out};
      sweep_partition(rows, frame, begin, end, state);
    });
    return fixed_column(DataType::int64, out.values);
  }
  case WindowFunction::sum:
  case WindowFunction::avg: {
    const bool average = call.function == WindowFunction::avg;
    RowResults<int64_t> sums(rows.rows);
    RowResults<double> doubles(rows.rows);
    bool integer = false;
    with_numeric_values(*input, [&](const auto *values) {
      using T = std::remove_cv_t<std::remove_pointer_t<decltype(values)>>;
      integer = std::is_integral_v<T>;
      rows.for_each_partition([&](int64_t begin, int64_t end) {
        if constexpr (std::is_integral_v<T>) {
          IntegerSumState<T> state{rows,  *input,   values, average,
                                   &sums, &doubles, label};
          sweep_partition(rows, frame, begin, end, state);
        } else {
          FloatSumState<T> state{rows, *input, values, average, doubles};
          sweep_partition(rows, frame, begin, end, state);
        }
      });
    });
    if (integer && !average)
      return fixed_column(DataType::int64, sums.values, sums.valid);
    return fixed_column(DataType::float64, doubles.values, doubles.valid);
  }
  case WindowFunction::min:
  case WindowFunction::max: {
    const SortKeyWords words =
        normalize_sort_keys({*input}, {SortKey{}}, rows.threads);
    std::vector<int64_t> picks(static_cast<size_t>(rows.rows), kNullRow);
    rows.for_each_partition([&](int64_t begin, int64_t end) {
      ExtremeState state{
          rows,  *input, words, call.function == WindowFunction::max,
          picks, {},     0};
      sweep_partition(rows, frame, begin, end, state);
    });
    return take(*input, picks, ExecOptions{rows.threads});
  }
  default:
    NIMBUS_THROW(Error, "window: ", label, " is not an aggregate");
  }
}

} // namespace nimbus::analytics::detail
