#pragma once
// Built-in jobs over table rows, written against map_reduce.h like the text jobs:
//
//   histogram:  bucket, lower, upper, count    equal-width buckets over [min, max] of a numeric
//                                              column (NULLs and NaNs skipped; the maximum falls
//                                              into the last bucket, as numpy.histogram does)
//   k_means:    cluster, size, <feature means>  Lloyd's iterations: each one a job whose map assigns
//                                              a row to its nearest centroid (squared Euclidean
//                                              distance, ties to the lower cluster) and whose
//                                              combiner sums the rows per cluster; the new centroid
//                                              is the mean. Initial centroids: k distinct rows
//                                              chosen by a seeded shuffle. A cluster that loses
//                                              every row keeps its centroid.
//
// Both run with either strategy (TableJobEngine): Phoenix on the CPU, or Mars (MarsHistogramJob
// and MarsKMeansAssignJob in mars_jobs.h) on the CPU or a device. The histogram is the same with
// both; k-means sums each cluster in another order, so centroids may differ in the last bits.
#include <cstdint>
#include <string>
#include <vector>

#include "analytics/mapreduce/map_reduce.h"
#include "analytics/mapreduce/mars.h"
#include "runtime/device.h"

namespace nimbus::analytics::mapreduce {

// Which engine runs a table job, and where: Phoenix runs on the CPU only (ConfigError elsewhere).
struct TableJobEngine {
  Strategy strategy = Strategy::phoenix;
  Device device = Device::cpu();
  MarsOptions mars;
};

NIMBUS_API Table histogram(const Table& table, const std::string& column, int64_t buckets,
                           const MapReduceOptions& options = {}, const TableJobEngine& engine = {});

struct KMeansOptions {
  int64_t k = 3;
  int64_t iterations = 20;   // at most; stops early when no centroid moves
  uint64_t seed = 0;
  MapReduceOptions run;
  TableJobEngine engine;
};

struct KMeansResult {
  Table centroids;           // cluster, size, then one column per feature (the centroid)
  int64_t iterations = 0;    // iterations run
};

// Features must be numeric columns without NULLs (ConfigError naming the column otherwise).
NIMBUS_API KMeansResult k_means(const Table& table, const std::vector<std::string>& features,
                                const KMeansOptions& options = {});

}  // namespace nimbus::analytics::mapreduce
