// CUDA optimizer steps over many parameters per launch (Note [Multi-tensor optimizer steps] in
// kernels/multi_tensor_chunks.h): the host packs the parameters of one device and dtype into
// MultiTensorLaunch descriptors, and block b of a launch updates chunk b of its descriptor with
// the per-tensor kernels' element update (optimizer_elements.cuh), so the bits are theirs.
#include <array>
#include <vector>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/optimizer_elements.cuh"
#include "kernels/cuda/optimizer_multi_tensor.h"
#include "kernels/functors/optimizer.h"
#include "kernels/multi_tensor_chunks.h"

namespace nimbus::cuda {

namespace {

// The descriptor and the largest coefficients (f64 Adam) together within the kernel parameter limit.
static_assert(sizeof(MultiTensorLaunch<4>) + sizeof(functors::AdamCoefficients<double>) <= kKernelParameterBytes);
static_assert(sizeof(MultiTensorLaunch<3>) + sizeof(functors::SgdCoefficients<double>) <= kKernelParameterBytes);
static_assert(sizeof(MultiTensorLaunch<2>) + sizeof(functors::SgdCoefficients<double>) <= kKernelParameterBytes);
static_assert(kMultiTensorChunkElements <= INT32_MAX);

// One launch holds at most MultiTensorLaunch::kMaxChunks blocks (about one per SM on an H100), so
// a block is larger than the per-tensor kernels' to keep more loads in flight per SM (PyTorch's
// and apex's multi-tensor kernels use 512 too). Not yet tuned on a GPU.
constexpr int kMultiTensorBlockSize = 512;

// Depth 2: parameter and gradient (no momentum); depth 3: and the momentum buffer. The descriptor
// is a __grid_constant__ so that blocks read their chunk from parameter memory without a copy.
template <typename T, typename C, int Depth>
__global__ void __launch_bounds__(kMultiTensorBlockSize)
    sgd_multi_tensor_kernel(const __grid_constant__ MultiTensorLaunch<Depth> launch,
                            const functors::SgdCoefficients<C> k) {
  const TensorChunk chunk = launch.chunks[blockIdx.x];
  T* const p = static_cast<T*>(launch.pointers[0][chunk.slot]) + chunk.start;
  const T* const g = static_cast<const T*>(launch.pointers[1][chunk.slot]) + chunk.start;
  T* buf = nullptr;
  if constexpr (Depth == 3) buf = static_cast<T*>(launch.pointers[2][chunk.slot]) + chunk.start;
  for (int32_t i = static_cast<int32_t>(threadIdx.x); i < chunk.length; i += static_cast<int32_t>(blockDim.x))
    sgd_element<T, C>(p, g, buf, i, k);
}

// Parameter, gradient, exp_avg, exp_avg_sq.
template <typename T, typename C>
__global__ void __launch_bounds__(kMultiTensorBlockSize)
    adam_multi_tensor_kernel(const __grid_constant__ MultiTensorLaunch<4> launch,
                             const functors::AdamCoefficients<C> k) {
  const TensorChunk chunk = launch.chunks[blockIdx.x];
  T* const p = static_cast<T*>(launch.pointers[0][chunk.slot]) + chunk.start;
  const T* const g = static_cast<const T*>(launch.pointers[1][chunk.slot]) + chunk.start;
  T* const m = static_cast<T*>(launch.pointers[2][chunk.slot]) + chunk.start;
  T* const v = static_cast<T*>(launch.pointers[3][chunk.slot]) + chunk.start;
  for (int32_t i = static_cast<int32_t>(threadIdx.x); i < chunk.length; i += static_cast<int32_t>(blockDim.x))
    adam_element<T, C>(p, g, m, v, i, k);
}

// The descriptors over parallel lists of tensors (lists[d][i]: pointer d of tensor i).
template <int Depth>
std::vector<MultiTensorLaunch<Depth>> launches_for(const std::array<const std::vector<Tensor>*, Depth>& lists) {
  const std::vector<Tensor>& params = *lists[0];
  std::vector<std::array<void*, Depth>> pointers(params.size());
  std::vector<int64_t> numels(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    numels[i] = params[i].numel();
    for (int d = 0; d < Depth; ++d)
      pointers[i][static_cast<size_t>(d)] = numels[i] == 0 ? nullptr : (*lists[static_cast<size_t>(d)])[i].data_ptr();
  }
  return pack_multi_tensor_launches<Depth>(pointers, numels);
}

// One block per chunk.
template <int Depth>
unsigned blocks(const MultiTensorLaunch<Depth>& launch) {
  return static_cast<unsigned>(launch.num_chunks);
}

void sgd_step_many_kernel(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                          const std::vector<Tensor>& momentum_buffers, const functors::SgdHyper& hyper) {
  if (params.empty()) return;
  const Device device = params.front().device();
  DeviceScope scope(device.index);
  const cudaStream_t stream = current_cuda_stream(device);
  NIMBUS_DISPATCH_FLOAT(params.front().dtype(), "sgd_step_many", [&]<typename T>() {
    using C = compute_t<T>;
    const functors::SgdCoefficients<C> k(hyper);
    if (hyper.momentum != 0) {
      for (const MultiTensorLaunch<3>& launch : launches_for<3>({&params, &grads, &momentum_buffers})) {
        sgd_multi_tensor_kernel<T, C, 3><<<blocks(launch), kMultiTensorBlockSize, 0, stream>>>(launch, k);
        NIMBUS_CUDA_CHECK_LAUNCH();
      }
    } else {
      for (const MultiTensorLaunch<2>& launch : launches_for<2>({&params, &grads})) {
        sgd_multi_tensor_kernel<T, C, 2><<<blocks(launch), kMultiTensorBlockSize, 0, stream>>>(launch, k);
        NIMBUS_CUDA_CHECK_LAUNCH();
      }
    }
  });
}

void adam_step_many_kernel(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                           const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                           const functors::AdamHyper& hyper) {
  if (params.empty()) return;
  const Device device = params.front().device();
  DeviceScope scope(device.index);
  const cudaStream_t stream = current_cuda_stream(device);
  NIMBUS_DISPATCH_FLOAT(params.front().dtype(), "adam_step_many", [&]<typename T>() {
    using C = compute_t<T>;
    const functors::AdamCoefficients<C> k(hyper);
    for (const MultiTensorLaunch<4>& launch : launches_for<4>({&params, &grads, &exp_avgs, &exp_avg_sqs})) {
      adam_multi_tensor_kernel<T, C><<<blocks(launch), kMultiTensorBlockSize, 0, stream>>>(launch, k);
      NIMBUS_CUDA_CHECK_LAUNCH();
    }
  });
}

}  // namespace

void fill_multi_tensor_optimizer_kernels(KernelTable& table) {
  table.sgd_step_many = sgd_step_many_kernel;
  table.adam_step_many = adam_step_many_kernel;
}

}  // namespace nimbus::cuda
