// The table jobs by the Mars strategy on a CUDA device (MarsHistogramJob and MarsKMeansAssignJob in
// analytics/mapreduce/mars_jobs.h): the columns copied to the device, then the same phases as on
// the host. Registered by mapreduce_mars.cu.
#include "analytics/cuda/mapreduce_mars_device.cuh"

namespace nimbus::analytics::mapreduce {

MarsBucketCounts mars_cuda::bucket_counts(const MarsHistogramInput& input, Device device, const MarsOptions& options) {
  return run_on(device, [&](const auto& policy, auto& arrays) {
    auto values = arrays.template from_host<double>(input.values, input.rows);
    return mars::bucket_counts(policy, arrays, values.data(), input, options);
  });
}

// The features are copied at every step: a step reads each of them once, as the copy does.
MarsClusterSums mars_cuda::cluster_sums(const MarsKMeansInput& input, Device device, const MarsOptions& options) {
  return run_on(device, [&](const auto& policy, auto& arrays) {
    auto features = arrays.template from_host<double>(input.features, input.rows * input.feature_count);
    auto centroids = arrays.template from_host<double>(input.centroids, input.k * input.feature_count);
    return mars::cluster_sums(policy, arrays, features.data(), centroids.data(), input, options);
  });
}

}  // namespace nimbus::analytics::mapreduce
