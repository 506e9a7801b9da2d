// Grep with counts by the Mars strategy on a CUDA device (MarsGrepCountJob in
// analytics/mapreduce/mars_jobs.h); registered by mapreduce_mars.cu.
#include "analytics/cuda/mapreduce_mars_device.cuh"

namespace nimbus::analytics::mapreduce {

MarsGrepCounts mars_cuda::grep_count(std::string_view text, int64_t document, std::string_view pattern, Device device,
                                     const MarsOptions& options) {
  return run_block(text, device, [&](const auto& policy, auto& arrays, char* copy, int64_t size) {
    return mars::grep_count(policy, arrays, copy, size, document, pattern, options);
  });
}

}  // namespace nimbus::analytics::mapreduce
