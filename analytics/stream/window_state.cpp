#include "analytics/stream/window_state.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "runtime/error.h"

namespace nimbus::analytics::stream {

// Note [Key text]
// Each key value is written as one tag byte (0 = NULL, 1 = a value) and, for a value, its length
// as 4 bytes and its bytes. The encoding is unambiguous for any bytes in the values, so
// ("a", "bc") and ("ab", "c") are different keys, and NULL differs from the empty string.

std::optional<StreamAggregate> parse_stream_aggregate(std::string_view name, bool has_input) {
  if (name == "count") return has_input ? StreamAggregate::count : StreamAggregate::count_star;
  if (name == "sum") return StreamAggregate::sum;
  if (name == "avg" || name == "mean") return StreamAggregate::avg;
  if (name == "min") return StreamAggregate::min;
  if (name == "max") return StreamAggregate::max;
  return std::nullopt;
}

std::string_view stream_aggregate_name(StreamAggregate function) {
  switch (function) {
    case StreamAggregate::count_star:
    case StreamAggregate::count: return "count";
    case StreamAggregate::sum: return "sum";
    case StreamAggregate::avg: return "avg";
    case StreamAggregate::min: return "min";
    case StreamAggregate::max: return "max";
  }
  return "?";
}

std::string encode_key(const KeyValues& values) {
  std::string out;
  for (const auto& v : values) {
    if (!v) {
      out.push_back('\0');
      continue;
    }
    out.push_back('\1');
    const uint32_t length = static_cast<uint32_t>(v->size());
    out.append(reinterpret_cast<const char*>(&length), sizeof length);
    out.append(*v);
  }
  return out;
}

KeyValues decode_key(std::string_view encoded, size_t count) {
  KeyValues out;
  size_t at = 0;
  for (size_t k = 0; k < count; ++k) {
    NIMBUS_CHECK_T(ParseError, at < encoded.size(), "stream: a key in the state is cut short");
    if (encoded[at++] == '\0') {
      out.emplace_back();
      continue;
    }
    uint32_t length = 0;
    NIMBUS_CHECK_T(ParseError, at + sizeof length <= encoded.size(), "stream: a key in the state is cut short");
    std::memcpy(&length, encoded.data() + at, sizeof length);
    at += sizeof length;
    NIMBUS_CHECK_T(ParseError, at + length <= encoded.size(), "stream: a key in the state is cut short");
    out.emplace_back(std::string(encoded.substr(at, length)));
    at += length;
  }
  return out;
}

size_t WindowState::KeyHash::operator()(const std::pair<int64_t, std::string>& k) const {
  return std::hash<std::string>()(k.second) ^ (std::hash<int64_t>()(k.first) * 0x9E3779B97F4A7C15ULL);
}

WindowState::WindowState(std::vector<AggregateSpec> aggregates, size_t key_count)
    : aggregates_(std::move(aggregates)), key_count_(key_count) {}

void WindowState::merge_one(Accumulator& into, const Accumulator& part, const AggregateSpec& spec) const {
  if (part.n == 0) return;  // no non-NULL input: nothing changes (count adds 0)
  const bool first = into.n == 0;
  into.n += part.n;
  switch (spec.function) {
    case StreamAggregate::count_star:
    case StreamAggregate::count: return;
    case StreamAggregate::sum:
    case StreamAggregate::avg:
      if (spec.integer) {
        NIMBUS_CHECK_T(Error, !__builtin_add_overflow(into.i, part.i, &into.i), "stream: ",
                       stream_aggregate_name(spec.function), "(", spec.input, ") leaves int64's range");
      } else {
        into.d += part.d;
      }
      return;
    case StreamAggregate::min:
      if (spec.integer) into.i = first ? part.i : std::min(into.i, part.i);
      else into.d = first ? part.d : std::min(into.d, part.d);
      return;
    case StreamAggregate::max:
      if (spec.integer) into.i = first ? part.i : std::max(into.i, part.i);
      else into.d = first ? part.d : std::max(into.d, part.d);
      return;
  }
}

void WindowState::merge(int64_t start, const std::string& key, const Accumulator* partials) {
  auto [it, inserted] = groups_.try_emplace({start, key});
  if (inserted) it->second.resize(aggregates_.size());
  for (size_t a = 0; a < aggregates_.size(); ++a) merge_one(it->second[a], partials[a], aggregates_[a]);
  changed_.push_back(it->first);
}

namespace {

bool by_start_then_key(const WindowGroup& a, const WindowGroup& b) {
  return a.start != b.start ? a.start < b.start : a.key < b.key;
}

}  // namespace

std::vector<WindowGroup> WindowState::take_final(int64_t watermark, int64_t size) {
  std::vector<WindowGroup> out;
  for (auto it = groups_.begin(); it != groups_.end();) {
    // start + size <= watermark, written so that it cannot overflow near INT64_MIN.
    if (it->first.first <= watermark - size) {
      out.push_back({it->first.first, it->first.second, std::move(it->second)});
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(out.begin(), out.end(), by_start_then_key);
  return out;
}

std::vector<WindowGroup> WindowState::take_changed() {
  std::sort(changed_.begin(), changed_.end());
  changed_.erase(std::unique(changed_.begin(), changed_.end()), changed_.end());
  std::vector<WindowGroup> out;
  out.reserve(changed_.size());
  for (const auto& k : changed_) {
    const auto it = groups_.find(k);
    if (it != groups_.end()) out.push_back({k.first, k.second, it->second});
  }
  changed_.clear();
  return out;
}

namespace {

constexpr std::string_view kStateMagic = "NIMBUS-WINDOW-STATE-1\n";

void put(std::string& out, const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }

struct Reader {
  std::string_view bytes;
  size_t at = 0;
  void get(void* p, size_t n) {
    NIMBUS_CHECK_T(ParseError, at + n <= bytes.size(), "stream: the state snapshot is cut short");
    std::memcpy(p, bytes.data() + at, n);
    at += n;
  }
  template <typename T>
  T get() {
    T v{};
    get(&v, sizeof v);
    return v;
  }
};

}  // namespace

std::string WindowState::serialize() const {
  // Groups in (start, key) order, so that the same state always gives the same bytes.
  std::vector<const std::pair<const std::pair<int64_t, std::string>, std::vector<Accumulator>>*> ordered;
  ordered.reserve(groups_.size());
  for (const auto& g : groups_) ordered.push_back(&g);
  std::sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string out(kStateMagic);
  const uint64_t aggregates = aggregates_.size(), keys = key_count_, groups = groups_.size();
  put(out, &aggregates, sizeof aggregates);
  put(out, &keys, sizeof keys);
  put(out, &groups, sizeof groups);
  for (const auto* g : ordered) {
    put(out, &g->first.first, sizeof(int64_t));
    const uint32_t length = static_cast<uint32_t>(g->first.second.size());
    put(out, &length, sizeof length);
    out.append(g->first.second);
    for (const Accumulator& a : g->second) {
      put(out, &a.n, sizeof a.n);
      put(out, &a.i, sizeof a.i);
      put(out, &a.d, sizeof a.d);
    }
  }
  return out;
}

void WindowState::deserialize(std::string_view bytes) {
  NIMBUS_CHECK_T(ParseError, bytes.starts_with(kStateMagic), "stream: not a window state snapshot");
  Reader r{bytes, kStateMagic.size()};
  const auto aggregates = r.get<uint64_t>(), keys = r.get<uint64_t>(), groups = r.get<uint64_t>();
  NIMBUS_CHECK_T(ParseError, aggregates == aggregates_.size() && keys == key_count_, "stream: the state snapshot has ",
                 aggregates, " aggregates and ", keys, " keys, the query ", aggregates_.size(), " and ", key_count_);
  groups_.clear();
  changed_.clear();
  for (uint64_t g = 0; g < groups; ++g) {
    const auto start = r.get<int64_t>();
    const auto length = r.get<uint32_t>();
    NIMBUS_CHECK_T(ParseError, r.at + length <= bytes.size(), "stream: the state snapshot is cut short");
    std::string key(bytes.substr(r.at, length));
    r.at += length;
    std::vector<Accumulator> accumulators(aggregates_.size());
    for (Accumulator& a : accumulators) {
      a.n = r.get<int64_t>();
      a.i = r.get<int64_t>();
      a.d = r.get<double>();
    }
    groups_.emplace(std::pair{start, std::move(key)}, std::move(accumulators));
  }
  NIMBUS_CHECK_T(ParseError, r.at == bytes.size(), "stream: the state snapshot has ", bytes.size() - r.at,
                 " bytes after its last window");
}

}  // namespace nimbus::analytics::stream
