// The aggregate state: merging partials (NULL-only partials change nothing, integer sums stay
// exact, min/max keep the first value), windows taken when the watermark passes their end, the
// windows a batch changed, key encoding, and the round trip through snapshot bytes.
#include <gtest/gtest.h>

#include "analytics/stream/window_state.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {
namespace {

std::vector<AggregateSpec> specs() {
  return {{StreamAggregate::count_star, "", "n", false},
          {StreamAggregate::sum, "v", "sum_v", true},
          {StreamAggregate::min, "x", "min_x", false},
          {StreamAggregate::max, "x", "max_x", false},
          {StreamAggregate::avg, "x", "avg_x", false}};
}

std::vector<Accumulator> partial(int64_t rows, int64_t sum, double lo, double hi, double total, int64_t xs) {
  return {{rows, 0, 0}, {rows, sum, 0}, {xs, 0, lo}, {xs, 0, hi}, {xs, 0, total}};
}

TEST(StreamState, MergesPartials) {
  WindowState state(specs(), 1);
  const std::string a = encode_key({std::string("a")});
  state.merge(0, a, partial(2, 5, -1.5, 3, 1.5, 2).data());
  state.merge(0, a, partial(1, 7, 0.5, 9, 9.5, 2).data());
  state.merge(0, a, partial(1, 0, 0, 0, 0, 0).data());  // x was NULL in every row
  const auto groups = state.take_final(10, 10);
  ASSERT_EQ(groups.size(), 1u);
  const auto& acc = groups[0].accumulators;
  EXPECT_EQ(acc[0].n, 4);
  EXPECT_EQ(acc[1].i, 12);
  EXPECT_EQ(acc[2].d, -1.5);
  EXPECT_EQ(acc[3].d, 9);
  EXPECT_EQ(acc[4].d, 11);
  EXPECT_EQ(acc[4].n, 4);
  EXPECT_EQ(state.size(), 0u);
}

TEST(StreamState, IntegerSumOverflowIsAnError) {
  WindowState state({{StreamAggregate::sum, "v", "s", true}}, 0);
  const Accumulator big{1, INT64_MAX, 0};
  state.merge(0, "", &big);
  EXPECT_THROW(state.merge(0, "", &big), Error);
}

TEST(StreamState, TakesOnlyWindowsTheWatermarkPassed) {
  WindowState state(specs(), 1);
  for (int64_t start : {20, 0, 10}) state.merge(start, encode_key({std::string("k")}), partial(1, 1, 1, 1, 1, 1).data());
  EXPECT_TRUE(state.take_final(9, 10).empty());  // [0, 10) ends after 9
  auto out = state.take_final(20, 10);             // [0,10) and [10,20) end at or before 20
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].start, 0);
  EXPECT_EQ(out[1].start, 10);
  EXPECT_EQ(state.size(), 1u);
}

TEST(StreamState, ChangedWindowsAreDeduplicatedAndSorted) {
  WindowState state(specs(), 1);
  const std::string b = encode_key({std::string("b")}), a = encode_key({std::string("a")});
  state.merge(10, b, partial(1, 1, 1, 1, 1, 1).data());
  state.merge(0, b, partial(1, 1, 1, 1, 1, 1).data());
  state.merge(10, a, partial(1, 1, 1, 1, 1, 1).data());
  state.merge(10, b, partial(1, 1, 1, 1, 1, 1).data());
  auto changed = state.take_changed();
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_EQ(changed[0].start, 0);
  EXPECT_EQ(changed[1].key, a);
  EXPECT_EQ(changed[2].accumulators[0].n, 2);
  EXPECT_TRUE(state.take_changed().empty());
}

TEST(StreamState, KeysEncodeNullsAndBoundaries) {
  const KeyValues k1{std::string("a"), std::string("bc")}, k2{std::string("ab"), std::string("c")};
  const KeyValues k3{std::nullopt, std::string("")}, k4{std::string(""), std::nullopt};
  EXPECT_NE(encode_key(k1), encode_key(k2));
  EXPECT_NE(encode_key(k3), encode_key(k4));
  EXPECT_EQ(decode_key(encode_key(k3), 2), k3);
  EXPECT_EQ(decode_key(encode_key(k1), 2), k1);
  EXPECT_THROW(decode_key("\1\5", 1), ParseError);
}

TEST(StreamState, SnapshotRoundTrip) {
  WindowState state(specs(), 1);
  state.merge(-10, encode_key({std::nullopt}), partial(3, -4, -2.25, 8, 0.1, 3).data());
  state.merge(30, encode_key({std::string("z")}), partial(1, 1, 1, 1, 1, 1).data());
  const std::string bytes = state.serialize();
  WindowState copy(specs(), 1);
  copy.deserialize(bytes);
  EXPECT_EQ(copy.serialize(), bytes);
  const auto a = state.take_final(100, 10), b = copy.take_final(100, 10);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].start, b[i].start);
    EXPECT_EQ(a[i].key, b[i].key);
    for (size_t j = 0; j < a[i].accumulators.size(); ++j) {
      EXPECT_EQ(a[i].accumulators[j].n, b[i].accumulators[j].n);
      EXPECT_EQ(a[i].accumulators[j].i, b[i].accumulators[j].i);
      EXPECT_EQ(a[i].accumulators[j].d, b[i].accumulators[j].d);
    }
  }
  WindowState other(specs(), 2);
  EXPECT_THROW(other.deserialize(bytes), ParseError);
  EXPECT_THROW(copy.deserialize(bytes.substr(0, bytes.size() - 3)), ParseError);
}

}  // namespace
}  // namespace nimbus::analytics::stream
