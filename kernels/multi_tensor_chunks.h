#pragma once
// Note [Multi-tensor optimizer steps]
// An optimizer step runs one update per parameter. On the GPU the per-tensor path pays one kernel
// launch per parameter, and a model of a few hundred small tensors (biases, norms) spends its
// step in launch overhead rather than in memory traffic. The multi-tensor path (the design of
// PyTorch's _foreach/fused optimizers and of apex's multi_tensor_apply) cuts every parameter
// into fixed-size chunks (kMultiTensorChunkElements) and hands many chunks of many tensors to one
// launch: the launch's argument, a MultiTensorLaunch, lists each tensor's pointers once and each
// chunk as (tensor slot, start, length); block b of the grid updates chunk b. A tensor larger than
// a chunk spans several blocks and, when the descriptor is full, several launches. Every chunk of
// every tensor is covered exactly once, so the element updates are those of the per-tensor path.
//
// The planner (plan_chunk_batches) is plain C++ and tested on the CPU; the CUDA kernels
// (kernels/cuda/optimizer_multi_tensor.cu) only read the descriptors it fills. Descriptors stay
// within kMultiTensorLaunchBytes so that with the per-step coefficients they fit the 4 KB of
// kernel parameters every CUDA toolkit accepts (12.1 and later accept 32 KB).
//
// One launch holds tensors of one device and one dtype: the public ops
// (kernels/multi_tensor_optimizer_ops.h) group the parameters first. With mixed precision the
// optimizer updates the f32 masters (Note [Mixed precision]), so a model's parameters form one
// group. The update of each element is the same single-source functor with the same per-step
// coefficients as the per-tensor kernel (kernels/cuda/optimizer_elements.cuh), so the results are
// bit-identical to the per-tensor path.
//
// Off by default on CUDA: a fused kernel that has not yet passed its parity test on a real GPU
// stays off until it has; NIMBUS_CUDA_MULTI_TENSOR_OPTIMIZER=1 in the environment (or
// multi_tensor_optimizer_switch().set(true), kernels/kernel_switch.h) turns it on. The parity test is
// tests/gpu/multi_tensor_optimizer_parity_test.cpp. The CPU table's entries loop over the
// per-tensor kernel, so the API is the same on both devices.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/macros.h"

namespace nimbus {

// Elements per chunk: one block's work. Large enough that a block's loop amortises its start,
// small enough that a large tensor spreads over many blocks.
constexpr int64_t kMultiTensorChunkElements = int64_t{1} << 16;

// The largest descriptor: 4 KB of kernel parameters less room for the per-step coefficients.
constexpr size_t kMultiTensorLaunchBytes = 3840;
constexpr size_t kKernelParameterBytes = 4096;

// One block's work: `length` elements of the tensor in slot `slot` of its launch, from `start`.
struct TensorChunk {
  int32_t slot;
  int32_t length;
  int64_t start;
};

// What one launch covers: the input tensors it names (indices into the planner's input, in slot
// order) and its chunks.
struct ChunkBatch {
  std::vector<int64_t> tensors;
  std::vector<TensorChunk> chunks;
};

struct ChunkBatchLimits {
  int64_t chunk_elements = kMultiTensorChunkElements;
  int max_tensors = 1;  // tensors one launch can name
  int max_chunks = 1;   // chunks (blocks) one launch can hold
};

// Packs tensors of numels[i] elements into batches within `limits`: every element of every tensor
// lands in exactly one chunk, tensors keep their order, empty tensors are skipped, and a tensor
// may continue in the next batch (named again there).
NIMBUS_API std::vector<ChunkBatch> plan_chunk_batches(const std::vector<int64_t>& numels,
                                                      const ChunkBatchLimits& limits);

// The kernel argument of one launch over tensors with Depth pointers each (parameter, gradient,
// optimizer state...). Plain data, passed by value. Pointer slots get about 1.5 KB, chunks the rest.
template <int Depth>
struct MultiTensorLaunch {
  static constexpr int kMaxTensors = static_cast<int>(1536 / (sizeof(void*) * Depth));
  static constexpr int kMaxChunks =
      static_cast<int>((kMultiTensorLaunchBytes - sizeof(void*) * Depth * kMaxTensors - 2 * sizeof(int32_t)) /
                       sizeof(TensorChunk));

  void* pointers[Depth][kMaxTensors];
  TensorChunk chunks[kMaxChunks];
  int32_t num_tensors;
  int32_t num_chunks;
};

static_assert(sizeof(MultiTensorLaunch<2>) <= kMultiTensorLaunchBytes);
static_assert(sizeof(MultiTensorLaunch<3>) <= kMultiTensorLaunchBytes);
static_assert(sizeof(MultiTensorLaunch<4>) <= kMultiTensorLaunchBytes);

// The launches over tensors whose pointers are pointers[i] (Depth per tensor) and sizes numels[i].
template <int Depth>
std::vector<MultiTensorLaunch<Depth>> pack_multi_tensor_launches(const std::vector<std::array<void*, Depth>>& pointers,
                                                                 const std::vector<int64_t>& numels,
                                                                 int64_t chunk_elements = kMultiTensorChunkElements) {
  using Launch = MultiTensorLaunch<Depth>;
  const std::vector<ChunkBatch> batches =
      plan_chunk_batches(numels, {chunk_elements, Launch::kMaxTensors, Launch::kMaxChunks});
  std::vector<Launch> launches(batches.size());
  for (size_t b = 0; b < batches.size(); ++b) {
    Launch& launch = launches[b];
    launch = Launch{};
    launch.num_tensors = static_cast<int32_t>(batches[b].tensors.size());
    launch.num_chunks = static_cast<int32_t>(batches[b].chunks.size());
    for (size_t slot = 0; slot < batches[b].tensors.size(); ++slot)
      for (int d = 0; d < Depth; ++d)
        launch.pointers[d][slot] = pointers[static_cast<size_t>(batches[b].tensors[slot])][static_cast<size_t>(d)];
    for (size_t c = 0; c < batches[b].chunks.size(); ++c) launch.chunks[c] = batches[b].chunks[c];
  }
  return launches;
}

}  // namespace nimbus
