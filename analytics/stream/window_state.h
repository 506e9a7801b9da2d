#pragma once
// The aggregate state of a streaming query: per (window, key), one accumulator per aggregate,
// kept across micro-batches until the window is final. Partial aggregates of a batch (per pane
// and key, Note [Panes]) are merged in, the windows a batch changed are remembered, and the state
// round-trips through bytes for checkpoints.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::analytics::stream {

enum class StreamAggregate { count_star, count, sum, avg, min, max };

// "count" (with no column: count(*)), "sum", "avg" (or "mean"), "min", "max".
NIMBUS_API std::optional<StreamAggregate> parse_stream_aggregate(std::string_view name, bool has_input);
NIMBUS_API std::string_view stream_aggregate_name(StreamAggregate function);

struct AggregateSpec {
  StreamAggregate function = StreamAggregate::count_star;
  std::string input = {};   // the column; empty for count(*)
  std::string output = {};  // the result column's name
  bool integer = false;     // the input is read as int64 (else float64); sum, min, max stay integers
};

// One accumulator: `n` counts the non-NULL inputs (rows for count(*)); `value` is the running
// sum, min or max, as an integer or a float per AggregateSpec::integer.
struct Accumulator {
  int64_t n = 0;
  int64_t i = 0;
  double d = 0;
};

// A key is the key columns' values, each NULL or text, encoded into one string (Note [Key text]
// in window_state.cpp).
using KeyValues = std::vector<std::optional<std::string>>;
NIMBUS_API std::string encode_key(const KeyValues& values);
NIMBUS_API KeyValues decode_key(std::string_view encoded, size_t count);

struct WindowGroup {
  int64_t start = 0;
  std::string key;
  std::vector<Accumulator> accumulators;
};

class NIMBUS_API WindowState {
 public:
  WindowState(std::vector<AggregateSpec> aggregates, size_t key_count);

  const std::vector<AggregateSpec>& aggregates() const { return aggregates_; }
  size_t key_count() const { return key_count_; }
  size_t size() const { return groups_.size(); }

  // Merges the partials of one pane and key (one per aggregate) into the window starting at
  // `start`, creating it when new; the window counts as changed in this batch.
  void merge(int64_t start, const std::string& key, const Accumulator* partials);
  // Removes and returns every window with start + size <= watermark, ordered by (start, key).
  std::vector<WindowGroup> take_final(int64_t watermark, int64_t size);
  // The windows changed since the last call (copies, ordered by (start, key)); clears the marks.
  std::vector<WindowGroup> take_changed();
  // Forgets the changed marks (after a batch whose output did not need them).
  void clear_changed() { changed_.clear(); }

  // The state as bytes and back (checkpoints); ParseError for bytes that are not a state of these
  // aggregates.
  std::string serialize() const;
  void deserialize(std::string_view bytes);

 private:
  struct KeyHash {
    size_t operator()(const std::pair<int64_t, std::string>& k) const;
  };
  void merge_one(Accumulator& into, const Accumulator& part, const AggregateSpec& spec) const;

  std::vector<AggregateSpec> aggregates_;
  size_t key_count_;
  std::unordered_map<std::pair<int64_t, std::string>, std::vector<Accumulator>, KeyHash> groups_;
  std::vector<std::pair<int64_t, std::string>> changed_;  // may repeat; deduplicated when taken
};

}  // namespace nimbus::analytics::stream
