// The chunk planner of the multi-tensor optimizer steps (Note [Multi-tensor optimizer steps]).
#include "kernels/multi_tensor_chunks.h"

#include <algorithm>

#include "runtime/error.h"

namespace nimbus {

std::vector<ChunkBatch> plan_chunk_batches(const std::vector<int64_t>& numels, const ChunkBatchLimits& limits) {
  NIMBUS_CHECK(limits.chunk_elements >= 1 && limits.chunk_elements <= INT32_MAX,
               "plan_chunk_batches: chunk size must be in [1, 2^31), got ", limits.chunk_elements);
  NIMBUS_CHECK(limits.max_tensors >= 1 && limits.max_chunks >= 1,
               "plan_chunk_batches: a launch must hold at least one tensor and one chunk");
  std::vector<ChunkBatch> batches;
  ChunkBatch current;
  auto flush = [&] {
    if (!current.chunks.empty()) batches.push_back(std::move(current));
    current = ChunkBatch{};
  };
  for (size_t i = 0; i < numels.size(); ++i) {
    const int64_t n = numels[i];
    NIMBUS_CHECK(n >= 0, "plan_chunk_batches: tensor ", i, " has ", n, " elements");
    for (int64_t start = 0; start < n; start += limits.chunk_elements) {
      const bool named = !current.tensors.empty() && current.tensors.back() == static_cast<int64_t>(i);
      const bool full = static_cast<int64_t>(current.chunks.size()) == limits.max_chunks ||
                        (!named && static_cast<int64_t>(current.tensors.size()) == limits.max_tensors);
      if (full) flush();
      if (current.tensors.empty() || current.tensors.back() != static_cast<int64_t>(i))
        current.tensors.push_back(static_cast<int64_t>(i));
      const int64_t length = std::min(limits.chunk_elements, n - start);
      current.chunks.push_back({static_cast<int32_t>(current.tensors.size() - 1), static_cast<int32_t>(length), start});
    }
  }
  flush();
  return batches;
}

}  // namespace nimbus
