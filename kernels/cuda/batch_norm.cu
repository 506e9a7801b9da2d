// CUDA kernels of batch norm, forward and backward (Note [Fused batch norm] in
// kernels/nn_batch_norm.cpp); tensors arrive as contiguous [N, C, S] views in f32 or f64.
//
// Design
// - Per-channel sums (the training statistics, the backward's sum(g) and sum(g * (x - mean))):
//   one block per channel. Thread t takes the channel's values t, t + blockDim, ... in order (value
//   i is image i / S, position i % S), accumulates in double, and the block combines its threads'
//   values in a fixed tree in shared memory: no atomics, nothing combined in completion order, so
//   results are bit-identical run to run (Note [Deterministic CUDA reductions] in reduction.cu).
//   The statistics take two passes, the mean, then squared deviations from it, as on the CPU. The
//   same block then writes the channel's coefficients for the elementwise pass.
// - Output and grad_input: grid-stride elementwise over x, each element reading its channel's
//   coefficients (channel (i / S) % C), with the CPU's formulas in x's dtype.
// - With the cuDNN switch on, cuDNN is tried first (Note [cuDNN batch norm] in
//   cudnn_batch_norm.cpp) and these kernels run where it declines.
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cudnn_batch_norm.h"
#include "kernels/kernel_switch.h"

namespace nimbus::cuda {

namespace {

constexpr int kChannelThreads = 512;  // threads of a per-channel block (a power of two)

// The sum of every thread's `v`, combined in a fixed tree; every thread gets it.
__device__ double block_sum(double v, double* shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (unsigned width = blockDim.x / 2; width > 0; width /= 2) {
    if (threadIdx.x < width) shared[threadIdx.x] += shared[threadIdx.x + width];
    __syncthreads();
  }
  const double total = shared[0];
  __syncthreads();  // shared is reused by the next sum
  return total;
}

// Value i of channel c in an [N, C, S] tensor (i = image * S + position).
__device__ __forceinline__ int64_t channel_offset(int64_t i, int64_t c, int64_t channels, int64_t spatial) {
  return (i / spatial * channels + c) * spatial + i % spatial;
}

// Training statistics of channel blockIdx.x; scale = rstd * weight for the output pass.
template <typename T>
__global__ void batch_norm_stats(T* mean, T* rstd, T* var, T* scale, const T* x, const T* w, int64_t n,
                                 int64_t channels, int64_t spatial, double eps) {
  __shared__ double shared[kChannelThreads];
  const int64_t c = blockIdx.x, count = n * spatial;
  double s = 0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x)
    s += static_cast<double>(x[channel_offset(i, c, channels, spatial)]);
  const double m = block_sum(s, shared) / static_cast<double>(count);
  double q = 0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) {
    const double d = static_cast<double>(x[channel_offset(i, c, channels, spatial)]) - m;
    q += d * d;
  }
  const double v = block_sum(q, shared) / static_cast<double>(count);
  if (threadIdx.x == 0) {
    const T r = static_cast<T>(1.0 / sqrt(v + eps));
    mean[c] = static_cast<T>(m);
    var[c] = static_cast<T>(v);
    rstd[c] = r;
    scale[c] = static_cast<T>(static_cast<double>(r) * static_cast<double>(w[c]));
  }
}

// Evaluation: mean = running_mean, rstd = 1 / sqrt(running_var + eps), scale = rstd * weight.
template <typename T>
__global__ void batch_norm_eval_stats(T* mean, T* rstd, T* scale, const T* rm, const T* rv, const T* w,
                                      int64_t channels, double eps) {
  NIMBUS_GRID_STRIDE(c, channels) {
    const T r = static_cast<T>(1.0 / sqrt(static_cast<double>(rv[c]) + eps));
    mean[c] = rm[c];
    rstd[c] = r;
    scale[c] = static_cast<T>(static_cast<double>(r) * static_cast<double>(w[c]));
  }
}

template <typename T>
__global__ void batch_norm_output(T* out, const T* x, const T* mean, const T* scale, const T* b, int64_t total,
                                  int64_t channels, int64_t spatial) {
  NIMBUS_GRID_STRIDE(i, total) {
    const int64_t c = (i / spatial) % channels;
    out[i] = (x[i] - mean[c]) * scale[c] + b[c];
  }
}

// cuDNN's training forward leaves the unbiased variance (Note [cuDNN batch norm]); ours is biased.
template <typename T>
__global__ void scale_values(T* v, int64_t n, double factor) {
  NIMBUS_GRID_STRIDE(i, n) { v[i] = static_cast<T>(static_cast<double>(v[i]) * factor); }
}

// The backward's sums for channel blockIdx.x, grad_weight and grad_bias, and the coefficients of
// grad_input = scale * (g - shift - (x - mean) * slope) in coef[3c .. 3c + 2] (shift and slope
// are 0 in evaluation).
template <typename T>
__global__ void batch_norm_grad_sums(T* gw, T* gb, T* coef, const T* g, const T* x, const T* mean, const T* rstd,
                                     const T* w, int64_t n, int64_t channels, int64_t spatial, bool training) {
  __shared__ double shared[kChannelThreads];
  const int64_t c = blockIdx.x, count = n * spatial;
  const double m = static_cast<double>(mean[c]);
  double a = 0, b = 0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) {
    const int64_t at = channel_offset(i, c, channels, spatial);
    const double gv = static_cast<double>(g[at]);
    a += gv;
    b += gv * (static_cast<double>(x[at]) - m);
  }
  const double sum_g = block_sum(a, shared);
  const double sum_gx = block_sum(b, shared);
  if (threadIdx.x == 0) {
    const double r = static_cast<double>(rstd[c]), cnt = static_cast<double>(count);
    gb[c] = static_cast<T>(sum_g);
    gw[c] = static_cast<T>(sum_gx * r);
    coef[3 * c] = static_cast<T>(static_cast<double>(w[c]) * r);
    coef[3 * c + 1] = training ? static_cast<T>(sum_g / cnt) : T(0);
    coef[3 * c + 2] = training ? static_cast<T>(r * r * sum_gx / cnt) : T(0);
  }
}

template <typename T>
__global__ void batch_norm_grad_input(T* gi, const T* g, const T* x, const T* mean, const T* coef, int64_t total,
                                      int64_t channels, int64_t spatial, bool training) {
  NIMBUS_GRID_STRIDE(i, total) {
    const int64_t c = (i / spatial) % channels;
    // Evaluation: g * weight * rstd alone, as on the CPU; the training form's (x - mean) * 0
    // would turn an infinite or NaN x into a NaN gradient.
    gi[i] = training ? coef[3 * c] * (g[i] - coef[3 * c + 1] - (x[i] - mean[c]) * coef[3 * c + 2])
                     : coef[3 * c] * g[i];
  }
}

template <typename T>
const T* data_of(const Tensor& t) {
  return static_cast<const T*>(t.data_ptr());
}
template <typename T>
T* mutable_data_of(const Tensor& t) {
  return static_cast<T*>(t.data_ptr());
}

template <typename T>
void forward(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& var, const Tensor& x,
             const Tensor& weight, const Tensor& bias, const Tensor& running_mean, const Tensor& running_var,
             bool training, double eps) {
  const int64_t n = x.size(0), channels = x.size(1), spatial = x.size(2), total = x.numel();
  const cudaStream_t stream = current_cuda_stream(x.device());
  const Tensor scale = empty({channels}, {x.dtype(), x.device()});
  if (training) {
    batch_norm_stats<T><<<static_cast<unsigned>(channels), kChannelThreads, 0, stream>>>(
        mutable_data_of<T>(mean), mutable_data_of<T>(rstd), mutable_data_of<T>(var), mutable_data_of<T>(scale),
        data_of<T>(x), data_of<T>(weight), n, channels, spatial, eps);
  } else {
    batch_norm_eval_stats<T><<<blocks_for(channels), kBlockSize, 0, stream>>>(
        mutable_data_of<T>(mean), mutable_data_of<T>(rstd), mutable_data_of<T>(scale), data_of<T>(running_mean),
        data_of<T>(running_var), data_of<T>(weight), channels, eps);
  }
  NIMBUS_CUDA_CHECK_LAUNCH();
  if (!training && cudnn_switch().enabled() &&
      cudnn_batch_norm_forward_inference(out, x, weight, bias, running_mean, running_var, eps))
    return;
  if (total == 0) return;
  batch_norm_output<T><<<blocks_for(total), kBlockSize, 0, stream>>>(
      mutable_data_of<T>(out), data_of<T>(x), data_of<T>(mean), data_of<T>(scale), data_of<T>(bias), total, channels,
      spatial);
  NIMBUS_CUDA_CHECK_LAUNCH();
}

void batch_norm_kernel(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& var, const Tensor& x,
                       const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, bool training, double eps) {
  if (x.size(1) == 0) return;
  DeviceScope scope(x.device().index);
  const bool is_f64 = x.dtype() == DType::f64;
  if (training && cudnn_switch().enabled() &&
      cudnn_batch_norm_forward_training(out, mean, rstd, var, x, weight, bias, eps)) {
    const int64_t count = x.size(0) * x.size(2);  // cuDNN declines fewer than two values per channel
    const double factor = static_cast<double>(count - 1) / static_cast<double>(count);
    const cudaStream_t stream = current_cuda_stream(x.device());
    if (is_f64)
      scale_values<double><<<blocks_for(var.numel()), kBlockSize, 0, stream>>>(mutable_data_of<double>(var),
                                                                               var.numel(), factor);
    else
      scale_values<float><<<blocks_for(var.numel()), kBlockSize, 0, stream>>>(mutable_data_of<float>(var),
                                                                              var.numel(), factor);
    NIMBUS_CUDA_CHECK_LAUNCH();
    return;
  }
  if (is_f64) forward<double>(out, mean, rstd, var, x, weight, bias, running_mean, running_var, training, eps);
  else forward<float>(out, mean, rstd, var, x, weight, bias, running_mean, running_var, training, eps);
}

template <typename T>
void backward(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias, const Tensor& grad_out,
              const Tensor& x, const Tensor& mean, const Tensor& rstd, const Tensor& weight, bool training) {
  const int64_t n = x.size(0), channels = x.size(1), spatial = x.size(2), total = x.numel();
  const cudaStream_t stream = current_cuda_stream(x.device());
  const Tensor coef = empty({3 * channels}, {x.dtype(), x.device()});
  batch_norm_grad_sums<T><<<static_cast<unsigned>(channels), kChannelThreads, 0, stream>>>(
      mutable_data_of<T>(grad_weight), mutable_data_of<T>(grad_bias), mutable_data_of<T>(coef),
      data_of<T>(grad_out), data_of<T>(x), data_of<T>(mean), data_of<T>(rstd), data_of<T>(weight), n, channels,
      spatial, training);
  NIMBUS_CUDA_CHECK_LAUNCH();
  if (total == 0) return;
  batch_norm_grad_input<T><<<blocks_for(total), kBlockSize, 0, stream>>>(
      mutable_data_of<T>(grad_in), data_of<T>(grad_out), data_of<T>(x), data_of<T>(mean), data_of<T>(coef), total,
      channels, spatial, training);
  NIMBUS_CUDA_CHECK_LAUNCH();
}

void batch_norm_backward_kernel(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                                const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                const Tensor& weight, bool training, double eps) {
  if (x.size(1) == 0) return;
  DeviceScope scope(x.device().index);
  if (cudnn_switch().enabled()) {
    // cuDNN's backward differentiates through the batch statistics only: evaluation's gradient
    // is not its to compute, and is counted as left to our kernels.
    if (training && cudnn_batch_norm_backward(grad_in, grad_weight, grad_bias, grad_out, x, mean, rstd, weight, eps))
      return;
    if (!training) cudnn_switch().count(false);
  }
  if (x.dtype() == DType::f64)
    backward<double>(grad_in, grad_weight, grad_bias, grad_out, x, mean, rstd, weight, training);
  else
    backward<float>(grad_in, grad_weight, grad_bias, grad_out, x, mean, rstd, weight, training);
}

}  // namespace

void fill_batch_norm_kernels(KernelTable& table) {
  table.batch_norm = batch_norm_kernel;
  table.batch_norm_backward = batch_norm_backward_kernel;
}

}  // namespace nimbus::cuda
