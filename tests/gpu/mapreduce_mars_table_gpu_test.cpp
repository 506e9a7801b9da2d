// The table jobs with the Mars strategy on cuda:0 (analytics/cuda/mapreduce_mars_table.cu) against
// the same jobs on the host: histograms equal to the last bit (and so equal to Phoenix's, which
// the host tests check), k-means with the same iterations and sizes and centroids equal up to
// summation order, over random columns with NULLs, several bucket counts, task sizes, forced hash
// collisions, more features than one value holds, and a million rows. Skipped without a CUDA
// device. Filter: --gtest_filter='MapReduceMarsTableGpu*'.
#include <gtest/gtest.h>

#if NIMBUS_TEST_ANALYTICS
#include <string>
#include <vector>

#include "analytics/mapreduce/mars.h"
#include "analytics/mapreduce/table_jobs.h"
#include "analytics/mapreduce_mars_table_parity.h"
#include "gpu/parity_harness.h"

namespace nimbus::analytics::mapreduce {
namespace {

using gpu_parity::gpu;
using mars_table_parity::blobs;
using mars_table_parity::cells;
using mars_table_parity::engine;
using mars_table_parity::expect_same_k_means;
using mars_table_parity::histogram_with;
using mars_table_parity::k_means_run;
using mars_table_parity::k_means_with;
using mars_table_parity::random_table;
using mars_table_parity::kSweep;

// Phoenix is the reference when the host path of Mars is not built.
TableJobEngine host_engine() {
  return engine(mars_host_available() ? Strategy::mars : Strategy::phoenix, Device::cpu());
}

void expect_histograms_same_as_host(const Table& t, const std::vector<int64_t>& bucket_counts,
                                    const std::string& what) {
  mars_table_parity::expect_histograms_match(t, bucket_counts, host_engine(), gpu(), what);
}

TEST(MapReduceMarsTableGpu, HistogramsMatchTheHost) {
  NIMBUS_REQUIRE_GPU();
  expect_histograms_same_as_host(random_table(0, 0.1, 1), {1, 4}, "no rows");
  expect_histograms_same_as_host(random_table(1, 0.0, 2), {1, 3}, "one row");
  expect_histograms_same_as_host(random_table(1000, 0.1, 3), {1, 2, 3, 10, 64}, "1000 rows");
  expect_histograms_same_as_host(random_table(20000, 0.3, 4), {7, 100}, "20000 rows");
}

TEST(MapReduceMarsTableGpu, LargeHistogramMatchesTheHost) {
  NIMBUS_REQUIRE_GPU();
  const Table t = random_table(1000000, 0.05, 6);
  for (const std::string column : {"i64", "f64"})
    EXPECT_EQ(cells(histogram_with(t, column, 1000, engine(Strategy::mars, gpu()))),
              cells(histogram_with(t, column, 1000, host_engine())))
        << column;
}

TEST(MapReduceMarsTableGpu, KMeansMatchesTheHost) {
  NIMBUS_REQUIRE_GPU();
  for (const int64_t dims : {1, 3, 10})
    for (const int64_t k : {1, 4}) {
      const Table t = blobs(5000, dims, 4, 20 + static_cast<uint64_t>(dims));
      const KMeansResult expected = k_means_with(t, dims, k, 3, host_engine());
      for (const auto& [chunk, bits] : kSweep)
        expect_same_k_means(k_means_with(t, dims, k, 3, engine(Strategy::mars, gpu(), chunk, bits)), expected,
                            k_means_run(dims, k, chunk, bits));
    }
  const Table big = blobs(1000000, 2, 5, 7);
  expect_same_k_means(k_means_with(big, 2, 5, 1, engine(Strategy::mars, gpu())),
                      k_means_with(big, 2, 5, 1, host_engine()), "a million rows");
}

// Needs only the module to load (it does without a driver), so this one runs on CPU-only machines.
TEST(MapReduceMarsTableGpu, TheModuleRegistersTheTableJobs) {
  if (find_backend(DeviceType::cuda) == nullptr)
    GTEST_SKIP() << "the CUDA module did not load: " << cuda_backend_status();
  const MarsDeviceOps* ops = mars_device_ops(DeviceType::cuda);
  ASSERT_NE(ops, nullptr);
  EXPECT_NE(ops->bucket_counts, nullptr);
  EXPECT_NE(ops->cluster_sums, nullptr);
}

}  // namespace
}  // namespace nimbus::analytics::mapreduce
#endif  // NIMBUS_TEST_ANALYTICS
