// The inverted index by the Mars strategy on a CUDA device (MarsInvertedIndexJob in
// analytics/mapreduce/mars_jobs.h); registered by mapreduce_mars.cu.
#include "analytics/cuda/mapreduce_mars_device.cuh"

namespace nimbus::analytics::mapreduce {

MarsPostings mars_cuda::inverted_index(std::string_view text, int64_t first_line, WordRule rule, Device device,
                                       const MarsOptions& options) {
  return run_block(text, device, [&](const auto& policy, auto& arrays, char* copy, int64_t size) {
    return mars::inverted_index(policy, arrays, copy, size, first_line, rule, options);
  });
}

}  // namespace nimbus::analytics::mapreduce
