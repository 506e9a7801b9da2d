#pragma once
// The CUDA kernel library, one file per family; register_cuda.cpp assembles the table.
//
// Every kernel here launches on the current stream of the operands' device (runtime/stream.h)
// with that device made current for the call, and checks the launch. Nothing waits for the GPU:
// ordering against other work is the stream's job, as on the CPU it is program order.
//
// Verification: CI compiles these kernels for sm_90 but has no GPU. Their parity with the CPU
// kernels is checked by tests/gpu/ (one test per op and dtype), which runs where a device is
// present: `make gpu-check` on a GPU host (docs/GPU.md; H200 results in bench/results/gpu-*.md).
#include <cuda_runtime_api.h>

#include "kernels/dispatch.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/device_scope.h"
#include "runtime/stream.h"

namespace nimbus::cuda {

// The CUDA stream that work on `device` goes to now (the calling thread's current stream).
inline cudaStream_t current_cuda_stream(Device device) {
  return reinterpret_cast<cudaStream_t>(current_stream(device).handle);
}

// Raises a launch error (bad configuration, missing kernel image for this GPU) at the call that
// caused it. Errors inside a kernel surface at the next synchronizing call.
#define NIMBUS_CUDA_CHECK_LAUNCH() NIMBUS_CUDA_CHECK(cudaGetLastError())

constexpr int kBlockSize = 256;  // threads per block of the elementwise and row kernels

// A grid-stride loop: thread i of the grid takes elements i, i + grid size, ... below `count`.
#define NIMBUS_GRID_STRIDE(i, count)                                                                 \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (count);         \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

inline unsigned blocks_for(int64_t n, int block = kBlockSize) {
  // Grid-stride loops cover the rest; a cap keeps the grid within limits for any n.
  constexpr int64_t kMaxBlocks = int64_t{1} << 20;
  const int64_t b = (n + block - 1) / block;
  return static_cast<unsigned>(b < 1 ? 1 : (b > kMaxBlocks ? kMaxBlocks : b));
}

// A dense copy of `t` on its device (itself when already contiguous), without a round trip through
// the runtime (the kernels call it while they run).
Tensor contiguous_on_device(const Tensor& t);
// dst = src element by element on one device: any strides, a broadcast source, any two dtypes
// (registered with the runtime as the CUDA element copy, see runtime/backend.h).
void element_copy(const Tensor& dst, const Tensor& src);

// Family fills (one per .cu/.cpp file).
void fill_elementwise_kernels(KernelTable& table);
void fill_reduction_kernels(KernelTable& table);
void fill_gemm_kernels(KernelTable& table);
void fill_nn_kernels(KernelTable& table);
void fill_optimizer_kernels(KernelTable& table);
void fill_indexing_kernels(KernelTable& table);  // index_select, gather, scatter_add, masked_select, cumsum
void fill_nn_misc_kernels(KernelTable& table);   // embedding backward, dropout, BCE with logits
void fill_conv_kernels(KernelTable& table);      // convolution and pooling
void fill_attention_kernels(KernelTable& table); // scaled dot-product attention
void fill_batch_norm_kernels(KernelTable& table);  // batch norm, forward and backward

// Installs the CUDA table; called once by the backend's entry point (runtime/cuda/cuda_backend.cpp).
void register_kernels();

}  // namespace nimbus::cuda
