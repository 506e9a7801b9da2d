// The table jobs with the Mars strategy on the host (MarsHistogramJob and MarsKMeansAssignJob in
// analytics/mapreduce/mars_jobs.h) against Phoenix: histograms equal to the last bit for columns
// of every numeric type with NULLs and NaNs, several bucket counts, task sizes and forced hash
// collisions; k-means with the same iterations and cluster sizes, centroids equal up to summation
// order (exactly where the sums are exact), with more features than one Mars value holds. Skipped
// when the build has no Thrust headers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analytics/column_builder.h"
#include "analytics/mapreduce/mars.h"
#include "analytics/mapreduce/table_jobs.h"
#include "mapreduce_mars_table_parity.h"
#include "runtime/error.h"

namespace nimbus::analytics::mapreduce {
namespace {

using mars_table_parity::blobs;
using mars_table_parity::cells;
using mars_table_parity::engine;
using mars_table_parity::expect_same_k_means;
using mars_table_parity::histogram_with;
using mars_table_parity::k_means_run;
using mars_table_parity::k_means_with;
using mars_table_parity::random_table;
using mars_table_parity::kSweep;

#define NIMBUS_REQUIRE_HOST_MARS() \
  if (!mars_host_available()) GTEST_SKIP() << "the Mars strategy's host path is not built (no Thrust headers)"

void expect_histograms_same_as_phoenix(const Table& t, const std::vector<int64_t>& bucket_counts,
                                       const std::string& what) {
  mars_table_parity::expect_histograms_match(t, bucket_counts, engine(Strategy::phoenix, Device::cpu()), Device::cpu(),
                                             what);
}

TEST(MapReduceMarsTable, HistogramOfRandomColumnsMatchesPhoenix) {
  NIMBUS_REQUIRE_HOST_MARS();
  expect_histograms_same_as_phoenix(random_table(0, 0.1, 1), {1, 4}, "no rows");
  expect_histograms_same_as_phoenix(random_table(1, 0.0, 2), {1, 3}, "one row");
  expect_histograms_same_as_phoenix(random_table(1000, 0.1, 3), {1, 2, 3, 10, 64}, "1000 rows");
  expect_histograms_same_as_phoenix(random_table(20000, 0.3, 4), {7, 100}, "20000 rows");
}

TEST(MapReduceMarsTable, HistogramEdgeColumnsMatchPhoenix) {
  NIMBUS_REQUIRE_HOST_MARS();
  ColumnBuilder all_null(DataType::float64), constant(DataType::int32), tenths(DataType::float64);
  for (int i = 0; i < 50; ++i) {
    all_null.append_null();
    constant.append_int32(7);
    tenths.append_float64(i * 0.1);  // bucket edges that division rounds either way
  }
  const Table t({"all_null", "constant", "tenths"}, {all_null.finish(), constant.finish(), tenths.finish()});
  expect_histograms_same_as_phoenix(t, {1, 3, 7, 49, 50}, "edge columns");
  const Table h = histogram_with(t, "tenths", 5, engine(Strategy::mars, Device::cpu()));
  for (int64_t b = 0; b < 5; ++b) EXPECT_EQ(h.column("count").value<int64_t>(b), 10) << "bucket " << b;
}

TEST(MapReduceMarsTable, KMeansOnBlobsMatchesPhoenix) {
  NIMBUS_REQUIRE_HOST_MARS();
  // 10 features: more than one Mars value sums, so a step runs two jobs.
  for (const int64_t dims : {1, 2, 3, 10})
    for (const int64_t k : {1, 3, 5}) {
      const Table t = blobs(3000, dims, 4, 10 + static_cast<uint64_t>(dims));
      const KMeansResult expected = k_means_with(t, dims, k, 5, engine(Strategy::phoenix, Device::cpu()));
      for (const auto& [chunk, bits] : kSweep)
        expect_same_k_means(k_means_with(t, dims, k, 5, engine(Strategy::mars, Device::cpu(), chunk, bits)), expected,
                            k_means_run(dims, k, chunk, bits));
    }
}

TEST(MapReduceMarsTable, KMeansWithExactSumsIsTheSameToTheLastBit) {
  NIMBUS_REQUIRE_HOST_MARS();
  // Integer points: every sum is exact whatever its order, so the centroids are equal bit for bit.
  ColumnBuilder xs(DataType::int32), ys(DataType::int64);
  const int centers[3][2] = {{0, 0}, {100, 0}, {0, 100}};
  for (int i = 0; i < 3000; ++i) {
    const int c = i % 3, dx = (i * 7) % 5 - 2, dy = (i * 11) % 5 - 2;
    xs.append_int32(centers[c][0] + dx);
    ys.append_int64(centers[c][1] + dy);
  }
  const Table t({"x0", "x1"}, {xs.finish(), ys.finish()});
  for (const uint64_t seed : {0u, 1u, 2u}) {
    const KMeansResult expected = k_means_with(t, 2, 3, seed, engine(Strategy::phoenix, Device::cpu()));
    const KMeansResult got = k_means_with(t, 2, 3, seed, engine(Strategy::mars, Device::cpu(), 7));
    EXPECT_EQ(cells(got.centroids), cells(expected.centroids)) << "seed " << seed;
    EXPECT_EQ(got.iterations, expected.iterations) << "seed " << seed;
  }
}

TEST(MapReduceMarsTable, PhoenixStaysOnTheCpu) {
  const Table t = random_table(10, 0.0, 5);
  EXPECT_THROW(histogram_with(t, "f64", 3, engine(Strategy::phoenix, Device::cuda(0))), ConfigError);
  KMeansOptions options;
  options.engine = engine(Strategy::phoenix, Device::cuda(0));
  EXPECT_THROW(k_means(t, {"i32"}, options), ConfigError);
}

}  // namespace
}  // namespace nimbus::analytics::mapreduce
