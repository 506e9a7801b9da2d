#include "analytics/mapreduce/mars_table_jobs.h"

#include <algorithm>

namespace nimbus::analytics::mapreduce {

std::vector<int64_t> mars_histogram_counts(const std::vector<double>& values, double lo, double width, int64_t buckets,
                                           Device device, const MarsOptions& options) {
  MarsHistogramInput input;
  input.values = values.data();
  input.rows = static_cast<int64_t>(values.size());
  input.lo = lo;
  input.width = width;
  input.buckets = buckets;
  const MarsBucketCounts out = mars_bucket_counts(input, device, options);
  std::vector<int64_t> counts(static_cast<size_t>(buckets), 0);
  for (size_t i = 0; i < out.keys.size(); ++i) counts[static_cast<size_t>(out.keys[i])] = out.values[i];
  return counts;
}

MarsKMeansSteps::MarsKMeansSteps(const std::vector<std::vector<double>>& features, Device device,
                                 const MarsOptions& options)
    : feature_count_(static_cast<int64_t>(features.size())), device_(device), options_(options) {
  rows_ = features.empty() ? 0 : static_cast<int64_t>(features[0].size());
  features_.reserve(static_cast<size_t>(rows_ * feature_count_));
  for (const std::vector<double>& f : features) features_.insert(features_.end(), f.begin(), f.end());
}

// One job per group of kMarsSummedFeatures features (a value's capacity); every job assigns the
// rows the same way, so the counts agree and the first job's are kept.
ClusterTotals MarsKMeansSteps::step(const std::vector<std::vector<double>>& centroids) const {
  const auto k = static_cast<int64_t>(centroids.size());
  std::vector<double> flat;
  flat.reserve(static_cast<size_t>(k * feature_count_));
  for (const std::vector<double>& c : centroids) flat.insert(flat.end(), c.begin(), c.end());
  ClusterTotals totals;
  totals.sums.assign(static_cast<size_t>(k * feature_count_), 0.0);
  totals.counts.assign(static_cast<size_t>(k), 0);
  for (int64_t begin = 0; begin < feature_count_; begin += kMarsSummedFeatures) {
    MarsKMeansInput input;
    input.features = features_.data();
    input.centroids = flat.data();
    input.rows = rows_;
    input.feature_count = feature_count_;
    input.k = k;
    input.sum_begin = begin;
    input.sum_count = std::min(kMarsSummedFeatures, feature_count_ - begin);
    const MarsClusterSums out = mars_cluster_sums(input, device_, options_);
    for (size_t i = 0; i < out.keys.size(); ++i) {
      const int64_t c = out.keys[i];
      totals.counts[static_cast<size_t>(c)] = out.values[i].count;
      for (int64_t j = 0; j < input.sum_count; ++j)
        totals.sums[static_cast<size_t>(c * feature_count_ + begin + j)] = out.values[i].sum[j];
    }
  }
  return totals;
}

}  // namespace nimbus::analytics::mapreduce
