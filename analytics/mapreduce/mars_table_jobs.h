#pragma once
// The built-in table jobs with the Mars strategy (MarsHistogramJob and MarsKMeansAssignJob in
// mars_jobs.h) over a whole table, in the form table_jobs.cpp turns into results for both
// strategies: per-bucket counts, per-cluster feature sums and counts.
#include <cstdint>
#include <vector>

#include "analytics/mapreduce/mars.h"
#include "runtime/device.h"

namespace nimbus::analytics::mapreduce {

// The rows of `values` (NaN where NULL) in each of `buckets` equal-width buckets from `lo`.
std::vector<int64_t> mars_histogram_counts(const std::vector<double>& values, double lo, double width, int64_t buckets,
                                           Device device, const MarsOptions& options);

// What one k-means step gives per cluster: its rows' feature sums and their number.
struct ClusterTotals {
  std::vector<double> sums;     // cluster c's feature j at sums[c * features + j]
  std::vector<int64_t> counts;  // rows per cluster
};

// The steps of one k-means run: the features laid out once (feature by feature, as the job reads
// them), then each step assigns every row to its nearest centroid and sums the clusters.
class MarsKMeansSteps {
 public:
  MarsKMeansSteps(const std::vector<std::vector<double>>& features, Device device, const MarsOptions& options);
  // `centroids[c][j]`: cluster c's feature j.
  ClusterTotals step(const std::vector<std::vector<double>>& centroids) const;

 private:
  std::vector<double> features_;
  int64_t rows_ = 0, feature_count_ = 0;
  Device device_;
  MarsOptions options_;
};

}  // namespace nimbus::analytics::mapreduce
