// The Mars strategy on a CUDA device (Note [Mars strategy] in analytics/mapreduce/mars_phases.h):
// word count, and the registration of every Mars entry (grep and the inverted index are in
// mapreduce_mars_grep.cu and mapreduce_mars_index.cu, the table jobs in mapreduce_mars_table.cu).
#include "analytics/cuda/mapreduce_mars_device.cuh"
#include "analytics/cuda/register_analytics_cuda.h"

namespace nimbus::analytics::mapreduce {

MarsWordCounts mars_cuda::word_count(std::string_view text, WordRule rule, Device device, const MarsOptions& options) {
  return run_block(text, device, [&](const auto& policy, auto& arrays, char* copy, int64_t size) {
    return mars::word_count(policy, arrays, copy, size, rule, options);
  });
}

// Called from the module's register_analytics_ops() when it loads; nothing here calls CUDA.
void register_mars_cuda() {
  MarsDeviceOps ops;
  ops.word_count = mars_cuda::word_count;
  ops.grep_count = mars_cuda::grep_count;
  ops.inverted_index = mars_cuda::inverted_index;
  ops.bucket_counts = mars_cuda::bucket_counts;
  ops.cluster_sums = mars_cuda::cluster_sums;
  register_mars_device_ops(DeviceType::cuda, ops);
}

}  // namespace nimbus::analytics::mapreduce
