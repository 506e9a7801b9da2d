// The chunk planner of the multi-tensor optimizer steps (Note [Multi-tensor optimizer steps]):
// every element of every tensor covered exactly once, launches within their limits, empty
// tensors skipped, large tensors split, many small tensors packed together.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "kernels/multi_tensor_chunks.h"
#include "runtime/error.h"

namespace nimbus {
namespace {

// Checks that `batches` cover elements [0, numels[i]) of every tensor i exactly once, within
// `limits`, with the tensors of each batch distinct and in input order.
void expect_exact_cover(const std::vector<int64_t>& numels, const ChunkBatchLimits& limits,
                        const std::vector<ChunkBatch>& batches) {
  std::vector<std::vector<uint8_t>> covered(numels.size());
  for (size_t i = 0; i < numels.size(); ++i) covered[i].assign(static_cast<size_t>(numels[i]), 0);
  int64_t previous_tensor = -1;
  for (const ChunkBatch& batch : batches) {
    ASSERT_FALSE(batch.chunks.empty());
    ASSERT_LE(static_cast<int64_t>(batch.tensors.size()), limits.max_tensors);
    ASSERT_LE(static_cast<int64_t>(batch.chunks.size()), limits.max_chunks);
    for (size_t s = 0; s < batch.tensors.size(); ++s) {
      // In order; a tensor continued from the previous batch may repeat at slot 0.
      if (s == 0) {
        ASSERT_GE(batch.tensors[s], previous_tensor);
      } else {
        ASSERT_GT(batch.tensors[s], batch.tensors[s - 1]);
      }
    }
    previous_tensor = batch.tensors.back();
    for (const TensorChunk& chunk : batch.chunks) {
      ASSERT_GE(chunk.slot, 0);
      ASSERT_LT(static_cast<size_t>(chunk.slot), batch.tensors.size());
      ASSERT_GE(chunk.length, 1);
      ASSERT_LE(chunk.length, limits.chunk_elements);
      const auto tensor = static_cast<size_t>(batch.tensors[static_cast<size_t>(chunk.slot)]);
      ASSERT_GE(chunk.start, 0);
      ASSERT_LE(chunk.start + chunk.length, numels[tensor]);
      for (int64_t e = chunk.start; e < chunk.start + chunk.length; ++e) ++covered[tensor][static_cast<size_t>(e)];
    }
  }
  for (size_t i = 0; i < numels.size(); ++i)
    for (size_t e = 0; e < covered[i].size(); ++e) ASSERT_EQ(covered[i][e], 1) << "tensor " << i << " element " << e;
}

TEST(MultiTensorChunks, CoversEveryElementExactlyOnce) {
  const std::vector<int64_t> numels = {1, 3, 1000, 65537, 300000, 0, 65536, 7, 131072, 2};
  const ChunkBatchLimits limits{kMultiTensorChunkElements, 4, 5};
  expect_exact_cover(numels, limits, plan_chunk_batches(numels, limits));
}

TEST(MultiTensorChunks, SkipsEmptyTensors) {
  const ChunkBatchLimits limits{16, 8, 8};
  EXPECT_TRUE(plan_chunk_batches({}, limits).empty());
  EXPECT_TRUE(plan_chunk_batches({0, 0, 0}, limits).empty());
  const std::vector<ChunkBatch> batches = plan_chunk_batches({0, 5, 0, 3, 0}, limits);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].tensors, (std::vector<int64_t>{1, 3}));
  ASSERT_EQ(batches[0].chunks.size(), 2u);
}

TEST(MultiTensorChunks, SplitsLargeTensorsIntoChunksAndLaunches) {
  const ChunkBatchLimits limits{10, 4, 3};
  const std::vector<ChunkBatch> batches = plan_chunk_batches({95}, limits);
  // Ten chunks (nine of 10, one of 5), three per launch: four launches, the tensor named in each.
  ASSERT_EQ(batches.size(), 4u);
  for (const ChunkBatch& b : batches) EXPECT_EQ(b.tensors, (std::vector<int64_t>{0}));
  EXPECT_EQ(batches.back().chunks.size(), 1u);
  EXPECT_EQ(batches.back().chunks[0].start, 90);
  EXPECT_EQ(batches.back().chunks[0].length, 5);
  expect_exact_cover({95}, limits, batches);
}

TEST(MultiTensorChunks, PacksManySmallTensorsIntoFewLaunches) {
  const std::vector<int64_t> numels(1000, 3);
  const ChunkBatchLimits limits{kMultiTensorChunkElements, 48, 143};
  const std::vector<ChunkBatch> batches = plan_chunk_batches(numels, limits);
  // Tensors, not chunks, are the limit here: 48 per launch.
  EXPECT_EQ(batches.size(), (1000u + 47u) / 48u);
  EXPECT_EQ(batches.front().tensors.size(), 48u);
  expect_exact_cover(numels, limits, batches);
}

TEST(MultiTensorChunks, ManyShapesAndLimits) {
  const std::vector<int64_t> numels = {1, 3, 1000, 65537, 300000, 0, 17, 64, 63, 65, 1, 1, 129, 4096};
  for (int64_t chunk : {1, 7, 64, 1000, 65536})
    for (int tensors : {1, 2, 3, 48})
      for (int chunks : {1, 2, 5, 143}) {
        const ChunkBatchLimits limits{chunk, tensors, chunks};
        SCOPED_TRACE(::testing::Message() << "chunk " << chunk << " tensors " << tensors << " chunks " << chunks);
        expect_exact_cover(numels, limits, plan_chunk_batches(numels, limits));
      }
}

TEST(MultiTensorChunks, RejectsBadLimitsAndSizes) {
  EXPECT_THROW(plan_chunk_batches({4}, {0, 1, 1}), Error);
  EXPECT_THROW(plan_chunk_batches({4}, {4, 0, 1}), Error);
  EXPECT_THROW(plan_chunk_batches({4}, {4, 1, 0}), Error);
  EXPECT_THROW(plan_chunk_batches({-1}, {4, 1, 1}), Error);
}

TEST(MultiTensorChunks, LaunchDescriptorsFitTheKernelParameterLimit) {
  EXPECT_LE(sizeof(MultiTensorLaunch<2>), kMultiTensorLaunchBytes);
  EXPECT_LE(sizeof(MultiTensorLaunch<3>), kMultiTensorLaunchBytes);
  EXPECT_LE(sizeof(MultiTensorLaunch<4>), kMultiTensorLaunchBytes);
  EXPECT_LE(kMultiTensorLaunchBytes + 2 * 80, kKernelParameterBytes);  // room for f64 coefficients
  EXPECT_GE(MultiTensorLaunch<4>::kMaxTensors, 32);
  EXPECT_GE(MultiTensorLaunch<4>::kMaxChunks, 128);
}

TEST(MultiTensorChunks, PackedLaunchesCarryEachTensorsPointers) {
  // Fake addresses: tensor i's pointer d is 1000 * i + d (never dereferenced).
  const std::vector<int64_t> numels = {5, 0, 200000, 1, 70000};
  std::vector<std::array<void*, 3>> pointers(numels.size());
  for (size_t i = 0; i < numels.size(); ++i)
    for (size_t d = 0; d < 3; ++d) pointers[i][d] = reinterpret_cast<void*>(uintptr_t{1000} * (i + 1) + d);
  const auto launches = pack_multi_tensor_launches<3>(pointers, numels, 65536);
  std::vector<int64_t> covered(numels.size(), 0);
  for (const MultiTensorLaunch<3>& launch : launches) {
    ASSERT_LE(launch.num_tensors, MultiTensorLaunch<3>::kMaxTensors);
    ASSERT_LE(launch.num_chunks, MultiTensorLaunch<3>::kMaxChunks);
    for (int32_t c = 0; c < launch.num_chunks; ++c) {
      const TensorChunk& chunk = launch.chunks[c];
      ASSERT_LT(chunk.slot, launch.num_tensors);
      const auto tensor = static_cast<size_t>(reinterpret_cast<uintptr_t>(launch.pointers[0][chunk.slot]) / 1000 - 1);
      ASSERT_LT(tensor, numels.size());
      for (size_t d = 0; d < 3; ++d) EXPECT_EQ(launch.pointers[d][chunk.slot], pointers[tensor][d]);
      covered[tensor] += chunk.length;
    }
  }
  EXPECT_EQ(covered, numels);
}

}  // namespace
}  // namespace nimbus
