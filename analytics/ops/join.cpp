#include "analytics/ops/join.h"

#include <algorithm>
#include <optional>

#include "analytics/ops/column_lookup.h"
#include "analytics/ops/device_dispatch.h"
#include "analytics/ops/group_index.h"
#include "analytics/ops/join_device.h"
#include "analytics/ops/join_int_keys.h"
#include "analytics/ops/ops_parallel.h"
#include "analytics/ops/take.h"

namespace nimbus::analytics {

namespace {

constexpr int64_t kProbeGrain = 32768;

// Every key of the join numbered once (by the build side), with each side's rows mapped to their
// key (-1: NULL key or no such key on the build side) and the right rows of each key laid out
// contiguously in right order.
//
// Note [Unique build keys]
// When the right side is built and no key repeats on it (a join on the right side's primary key,
// as in db-benchmark's big join), the integer key path numbers each key by its one right row
// (Note [Integer key joins]). The layout is then the identity, so right_rows_are_keys says so
// instead: no counting sort, and writing the pairs reads no per-key offsets at random.
struct KeyMatches {
  int64_t keys = 0;
  std::vector<int64_t> left_key;
  std::vector<int64_t> right_key;
  bool right_rows_are_keys = false;  // key k is right row k alone; right_start and right_rows unused
  std::vector<int64_t> right_start;  // keys + 1 offsets into right_rows
  std::vector<int64_t> right_rows;

  int64_t right_count(int64_t key) const {
    if (key < 0) return 0;
    if (right_rows_are_keys) return 1;
    return right_start[static_cast<size_t>(key) + 1] - right_start[static_cast<size_t>(key)];
  }
};

// The key of each probe row in `index` (built over the other side's keys).
std::vector<int64_t> probe(const detail::GroupIndex& index, const detail::EncodedKeys& keys, int threads) {
  std::vector<int64_t> found(static_cast<size_t>(keys.rows));
  detail::run_pieces(keys.rows, detail::piece_count(keys.rows, threads, kProbeGrain), threads,
                     [&](int64_t, int64_t begin, int64_t end) {
                       for (int64_t i = begin; i < end; ++i) found[static_cast<size_t>(i)] = index.find(keys, i);
                     });
  return found;
}

// Note [Integer key joins]: one int32 or int64 key a side. False when that path does not apply
// or gave up, leaving `matches` untouched.
bool match_int_keys(const std::vector<Column>& left, const std::vector<Column>& right, int threads,
                    KeyMatches& matches) {
  if (left.size() != 1 || !detail::int_keys_apply(left[0], right[0])) return false;
  // Build on the smaller side; the result below is the same either way.
  const bool build_right = right[0].length() <= left[0].length();
  std::optional<detail::IntKeyMatch> match = build_right ? detail::match_int_keys(right[0], left[0], threads)
                                                         : detail::match_int_keys(left[0], right[0], threads);
  if (!match) return false;
  matches.keys = build_right ? right[0].length() : left[0].length();  // a key is numbered by its first build row
  matches.left_key = std::move(build_right ? match->probe_key : match->build_key);
  matches.right_key = std::move(build_right ? match->build_key : match->probe_key);
  matches.right_rows_are_keys = build_right && match->build_unique;  // Note [Unique build keys]
  return true;
}

void match_generic_keys(const std::vector<Column>& left, const std::vector<Column>& right, int threads,
                        KeyMatches& matches) {
  const std::vector<detail::EncodedKeys> encoded =
      detail::encode_key_sets({left, right}, detail::NullKeys::never_match, threads);
  // Build on the smaller side; the result below is the same either way.
  if (encoded[1].rows <= encoded[0].rows) {
    detail::GroupIndex index = detail::build_group_index(encoded[1], threads);
    matches.keys = index.num_groups;
    matches.right_key = std::move(index.group_of_row);
    matches.left_key = probe(index, encoded[0], threads);
  } else {
    detail::GroupIndex index = detail::build_group_index(encoded[0], threads);
    matches.keys = index.num_groups;
    matches.left_key = std::move(index.group_of_row);
    matches.right_key = probe(index, encoded[1], threads);
  }
}

// A counting sort of the right rows by key, stable, so each key's rows stay in right order.
void lay_out_right_rows(KeyMatches& matches) {
  matches.right_start.assign(static_cast<size_t>(matches.keys) + 1, 0);
  for (int64_t key : matches.right_key) {
    if (key >= 0) ++matches.right_start[static_cast<size_t>(key) + 1];
  }
  for (size_t k = 0; k < static_cast<size_t>(matches.keys); ++k) matches.right_start[k + 1] += matches.right_start[k];
  matches.right_rows.resize(static_cast<size_t>(matches.right_start.back()));
  std::vector<int64_t> cursor(matches.right_start.begin(), matches.right_start.end() - 1);
  for (size_t r = 0; r < matches.right_key.size(); ++r) {
    const int64_t key = matches.right_key[r];
    if (key >= 0) matches.right_rows[static_cast<size_t>(cursor[static_cast<size_t>(key)]++)] = static_cast<int64_t>(r);
  }
}

KeyMatches match_keys(const std::vector<Column>& left, const std::vector<Column>& right, int threads) {
  KeyMatches matches;
  if (!match_int_keys(left, right, threads, matches)) match_generic_keys(left, right, threads, matches);
  if (!matches.right_rows_are_keys) lay_out_right_rows(matches);
  return matches;
}

// Semi and anti joins: the left rows with (without) a match.
JoinRows filter_left(const KeyMatches& matches, bool want_match) {
  JoinRows rows;
  for (size_t l = 0; l < matches.left_key.size(); ++l) {
    if ((matches.right_count(matches.left_key[l]) > 0) == want_match) rows.left.push_back(static_cast<int64_t>(l));
  }
  return rows;
}

// Inner, left, right and full joins, in the order of join.h; chunks of left rows are counted,
// then written, in parallel.
JoinRows pair_rows(const KeyMatches& matches, JoinKind kind, int threads) {
  const bool keep_left = kind == JoinKind::left || kind == JoinKind::full;
  const bool keep_right = kind == JoinKind::right || kind == JoinKind::full;
  const auto left_rows = static_cast<int64_t>(matches.left_key.size());
  const auto out_rows = [&](int64_t l) {
    const int64_t n = matches.right_count(matches.left_key[static_cast<size_t>(l)]);
    return n > 0 ? n : (keep_left ? 1 : 0);
  };
  const int64_t pieces = detail::piece_count(left_rows, threads, kProbeGrain);
  std::vector<int64_t> piece_start(static_cast<size_t>(pieces) + 1, 0);
  detail::run_pieces(left_rows, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    int64_t n = 0;
    for (int64_t l = begin; l < end; ++l) n += out_rows(l);
    piece_start[static_cast<size_t>(piece) + 1] = n;
  });
  for (size_t p = 0; p < static_cast<size_t>(pieces); ++p) piece_start[p + 1] += piece_start[p];

  // Right rows without a match: those whose key no left row has.
  std::vector<int64_t> unmatched_right;
  if (keep_right) {
    std::vector<uint8_t> key_matched(static_cast<size_t>(matches.keys), 0);
    for (int64_t key : matches.left_key) {
      if (key >= 0) key_matched[static_cast<size_t>(key)] = 1;
    }
    for (size_t r = 0; r < matches.right_key.size(); ++r) {
      const int64_t key = matches.right_key[r];
      if (key < 0 || !key_matched[static_cast<size_t>(key)]) unmatched_right.push_back(static_cast<int64_t>(r));
    }
  }

  JoinRows rows;
  const int64_t paired = piece_start.back();
  rows.left.resize(static_cast<size_t>(paired + static_cast<int64_t>(unmatched_right.size())));
  rows.right.resize(rows.left.size());
  detail::run_pieces(left_rows, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    auto at = static_cast<size_t>(piece_start[static_cast<size_t>(piece)]);
    for (int64_t l = begin; l < end; ++l) {
      const int64_t key = matches.left_key[static_cast<size_t>(l)];
      const int64_t n = matches.right_count(key);
      if (n == 0) {
        if (keep_left) {
          rows.left[at] = l;
          rows.right[at++] = kNullRow;
        }
        continue;
      }
      if (matches.right_rows_are_keys) {
        rows.left[at] = l;
        rows.right[at++] = key;
        continue;
      }
      const int64_t* right = matches.right_rows.data() + matches.right_start[static_cast<size_t>(key)];
      for (int64_t i = 0; i < n; ++i) {
        rows.left[at] = l;
        rows.right[at++] = right[i];
      }
    }
  });
  for (size_t i = 0; i < unmatched_right.size(); ++i) {
    rows.left[static_cast<size_t>(paired) + i] = kNullRow;
    rows.right[static_cast<size_t>(paired) + i] = unmatched_right[i];
  }
  return rows;
}

// The key columns of a join, checked (join_rows's errors), and the device of both tables.
struct JoinKeys {
  std::vector<Column> left;
  std::vector<Column> right;
  Device device;
};

JoinKeys find_join_keys(const Table& left, const Table& right, const std::vector<std::string>& left_keys,
                        const std::vector<std::string>& right_keys) {
  NIMBUS_CHECK(!left_keys.empty(), "join: no key columns given");
  NIMBUS_CHECK(left_keys.size() == right_keys.size(), "join: ", left_keys.size(), " left key columns but ",
               right_keys.size(), " right key columns");
  JoinKeys keys{detail::find_columns(left, left_keys, "join", "left key column"),
                detail::find_columns(right, right_keys, "join", "right key column"),
                detail::join_device(left, right)};
  for (size_t k = 0; k < left_keys.size(); ++k) {
    NIMBUS_CHECK_T(DTypeError, detail::keys_comparable(keys.left[k].type(), keys.right[k].type()),
                   "join: key column '", left_keys[k], "' is ", data_type_name(keys.left[k].type()),
                   " on the left but '", right_keys[k], "' is ", data_type_name(keys.right[k].type()),
                   " on the right; key types must match (int32 joins int64, float32 joins float64)");
  }
  return keys;
}

// The row pairs on the host, whichever device the keys are on (Note [Joins on a device] in
// join_device.h).
JoinRows match_rows(const JoinKeys& keys, JoinKind kind, const JoinOptions& options) {
  if (!keys.device.is_cpu()) {
    if (std::optional<DeviceJoinRows> rows = detail::match_keys_on_device(keys.left, keys.right, kind, keys.device)) {
      return {detail::download_rows(rows->left), detail::download_rows(rows->right)};
    }
    const Table left_host = detail::host_keys(keys.left), right_host = detail::host_keys(keys.right);
    return join_rows(left_host, right_host, left_host.names(), right_host.names(), kind, options);
  }
  const KeyMatches matches = match_keys(keys.left, keys.right, options.threads);
  if (kind == JoinKind::semi || kind == JoinKind::anti) return filter_left(matches, kind == JoinKind::semi);
  return pair_rows(matches, kind, options.threads);
}

// left's columns, then right's, renamed as join.h says.
Table joined_columns(const Table& left_part, const Table& right_part, const JoinOptions& options) {
  std::vector<std::string> names = left_part.names();
  std::vector<Column> columns = left_part.columns();
  for (size_t c = 0; c < right_part.names().size(); ++c) {
    std::string name = right_part.names()[c];
    const auto taken = [&](const std::string& candidate) {
      return std::find(names.begin(), names.end(), candidate) != names.end() ||
             std::find(right_part.names().begin(), right_part.names().end(), candidate) !=
                 right_part.names().end();
    };
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      NIMBUS_CHECK(!options.suffix.empty(), "join: column '", name,
                   "' is on both sides and JoinOptions::suffix is empty");
      do name += options.suffix;
      while (taken(name));
    }
    names.push_back(std::move(name));
    columns.push_back(right_part.columns()[c]);
  }
  return Table(std::move(names), std::move(columns));
}

}  // namespace

std::string_view join_kind_name(JoinKind kind) {
  switch (kind) {
    case JoinKind::inner: return "inner";
    case JoinKind::left: return "left";
    case JoinKind::right: return "right";
    case JoinKind::full: return "full";
    case JoinKind::semi: return "semi";
    case JoinKind::anti: return "anti";
  }
  return "unknown";
}

JoinRows join_rows(const Table& left, const Table& right, const std::vector<std::string>& left_keys,
                   const std::vector<std::string>& right_keys, JoinKind kind, const JoinOptions& options) {
  return match_rows(find_join_keys(left, right, left_keys, right_keys), kind, options);
}

Table join(const Table& left, const Table& right, const std::vector<std::string>& left_keys,
           const std::vector<std::string>& right_keys, JoinKind kind, const JoinOptions& options) {
  const bool semi_or_anti = kind == JoinKind::semi || kind == JoinKind::anti;
  const JoinKeys keys = find_join_keys(left, right, left_keys, right_keys);
  // Pairs made on the device are gathered there without visiting the host (Note [Joins on a
  // device] in join_device.h).
  if (!keys.device.is_cpu()) {
    if (std::optional<DeviceJoinRows> rows = detail::match_keys_on_device(keys.left, keys.right, kind, keys.device)) {
      const bool null_left = kind == JoinKind::right || kind == JoinKind::full;
      const bool null_right = kind == JoinKind::left || kind == JoinKind::full;
      Table left_part = detail::take_on_device(left, rows->left, null_left);
      if (semi_or_anti) return left_part;
      return joined_columns(left_part, detail::take_on_device(right, rows->right, null_right), options);
    }
  }
  const JoinRows rows = match_rows(keys, kind, options);
  // take() gathers on the tables' device; strings as Note [String gather] in take.cpp says.
  const ExecOptions exec{options.threads};
  Table left_part = take(left, rows.left, exec);
  if (semi_or_anti) return left_part;
  return joined_columns(left_part, take(right, rows.right, exec), options);
}

}  // namespace nimbus::analytics
