// CUDA optimizer steps: the single-source update functors (kernels/functors/optimizer.h), one
// element per thread over contiguous memory (optimizer_elements.cuh). The per-step constants are
// computed once on the host (as on the CPU) and passed by value. 16-bit parameters are loaded to
// f32, updated, and rounded once on store, as on the CPU. The multi-tensor entries, many
// parameters per launch, are in optimizer_multi_tensor.cu.
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/optimizer_elements.cuh"
#include "kernels/cuda/optimizer_multi_tensor.h"
#include "kernels/functors/optimizer.h"

namespace nimbus::cuda {

namespace {

template <typename T, typename C>
__global__ void sgd_kernel(T* p, const T* g, T* buf, int64_t n, functors::SgdCoefficients<C> k) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step)
    sgd_element<T, C>(p, g, buf, i, k);
}

template <typename T, typename C>
__global__ void adam_kernel(T* p, const T* g, T* m, T* v, int64_t n, functors::AdamCoefficients<C> k) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step)
    adam_element<T, C>(p, g, m, v, i, k);
}

void sgd_step_kernel(const Tensor& param, const Tensor& grad, const Tensor& buf, const functors::SgdHyper& hyper) {
  const int64_t n = param.numel();
  if (n == 0) return;
  DeviceScope scope(param.device().index);
  const cudaStream_t stream = current_cuda_stream(param.device());
  NIMBUS_DISPATCH_FLOAT(param.dtype(), "sgd_step", [&]<typename T>() {
    using C = compute_t<T>;
    // Without momentum the buffer is undefined and the update ignores it.
    T* const b = hyper.momentum != 0 ? static_cast<T*>(buf.data_ptr()) : nullptr;
    sgd_kernel<T, C><<<blocks_for(n), kBlockSize, 0, stream>>>(
        static_cast<T*>(param.data_ptr()), static_cast<const T*>(grad.data_ptr()), b, n,
        functors::SgdCoefficients<C>(hyper));
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

void adam_step_kernel(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                      const functors::AdamHyper& hyper) {
  const int64_t n = param.numel();
  if (n == 0) return;
  DeviceScope scope(param.device().index);
  const cudaStream_t stream = current_cuda_stream(param.device());
  NIMBUS_DISPATCH_FLOAT(param.dtype(), "adam_step", [&]<typename T>() {
    using C = compute_t<T>;
    adam_kernel<T, C><<<blocks_for(n), kBlockSize, 0, stream>>>(
        static_cast<T*>(param.data_ptr()), static_cast<const T*>(grad.data_ptr()), static_cast<T*>(exp_avg.data_ptr()),
        static_cast<T*>(exp_avg_sq.data_ptr()), n, functors::AdamCoefficients<C>(hyper));
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace

void fill_optimizer_kernels(KernelTable& table) {
  table.sgd_step = sgd_step_kernel;
  table.adam_step = adam_step_kernel;
  fill_multi_tensor_optimizer_kernels(table);
}

}  // namespace nimbus::cuda
