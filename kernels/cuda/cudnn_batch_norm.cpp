// Batch norm forward and backward through cuDNN's legacy API (kernels/cuda/cudnn_batch_norm.h);
// batch_norm.cu tries these first when the cuDNN switch is on.
//
// Note [cuDNN batch norm]
// What runs on cuDNN: the training forward (cudnnBatchNormalizationForwardTraining), the
// evaluation forward (ForwardInference) and the training backward (Backward), in
// CUDNN_BATCHNORM_SPATIAL mode (one mean and variance per channel over N, H and W; [N, C] inputs
// are described as [N, C, 1, 1]), with the library, handle and switch of the convolution path
// (Note [cuDNN convolution] in cudnn_conv.cu: loaded with dlopen at first use, NIMBUS_CUDA_CUDNN=1,
// off by default until its parity test has passed on a GPU). The backward in evaluation mode
// (mean and rstd constants) is not cuDNN's: its backward always differentiates through the batch
// statistics, so that call stays on our kernels and counts as a fallback.
//
// Mapping of the statistics: cuDNN's resultSaveMean and resultSaveInvVariance are our saved mean
// and rstd = 1 / sqrt(var + eps) (the same definition), so a forward on either path pairs with a
// backward on either path. Its running-statistics update is not the module's to give away:
// BatchNorm updates running_mean and running_var itself from the batch's mean and biased
// variance (momentum, Bessel's correction, in its buffers' dtype), exactly as before the fused op.
// So the training call gets scratch running buffers, zeroed, and exponentialAverageFactor = 1:
// cuDNN then leaves in them the batch mean and the unbiased variance (its running-variance
// convention), and the caller rescales the latter by (M - 1) / M into the biased variance the op
// returns. Batches of fewer than two values per channel (no unbiased variance) are declined.
//
// Precision: for f32 and f64 data the statistics and parameters are in the data's type, as the
// op's are. cuDNN sums in its own order, so results agree with the CPU within rounding (the
// parity test's tolerance), not bit for bit; its reproducibility run to run is cuDNN's to give
// (the switch is off by default).
//
// Fallback: loading the library, creating the handle and setting the descriptors may decline, and
// so may the call itself (cudnn_declines in cudnn_common.h: NOT_SUPPORTED statuses and misaligned
// pointers, reported before any launch); eps below CUDNN_BN_MIN_EPSILON and sizes beyond int
// decline before any call. The caller then runs batch_norm.cu's kernels. Any other error throws
// with cudnnGetErrorString's text. Every call counts as ran or fell back on cudnn_switch(), so the
// parity test (tests/gpu/cudnn_batch_norm_parity_test.cpp) can tell cuDNN's results from ours.
#include "kernels/cuda/cudnn_batch_norm.h"

#include <limits>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cudnn_common.h"
#include "kernels/cuda/cudnn_library.h"
#include "kernels/kernel_switch.h"

namespace nimbus::cuda {

#if NIMBUS_HAVE_CUDNN

namespace {

// The two descriptors of one batch norm, destroyed with it: x (and y, dx, dy: one shape) and the
// per-channel tensors [1, C, 1, 1].
class BatchNormDescriptors {
 public:
  explicit BatchNormDescriptors(const CudnnLibrary& lib) : lib_(lib) {}
  ~BatchNormDescriptors() {
    if (x != nullptr) lib_.DestroyTensorDescriptor(x);
    if (channel != nullptr) lib_.DestroyTensorDescriptor(channel);
  }
  BatchNormDescriptors(const BatchNormDescriptors&) = delete;
  BatchNormDescriptors& operator=(const BatchNormDescriptors&) = delete;

  // False where a size exceeds int or cuDNN rejects a descriptor (the caller falls back). The
  // [N, C, S] view is described as NCHW with H = S, W = 1: the same memory order.
  bool describe(const Tensor& xs, cudnnDataType_t data) {
    constexpr int64_t kMax = std::numeric_limits<int>::max();
    const int64_t n = xs.size(0), c = xs.size(1), s = xs.size(2);
    if (n < 1 || c < 1 || s < 1 || n > kMax || c > kMax || s > kMax || xs.numel() > kMax) return false;
    return cudnn_ok(lib_.CreateTensorDescriptor(&x)) && cudnn_ok(lib_.CreateTensorDescriptor(&channel)) &&
           cudnn_ok(lib_.SetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, data, static_cast<int>(n), static_cast<int>(c),
                                               static_cast<int>(s), 1)) &&
           cudnn_ok(lib_.SetTensor4dDescriptor(channel, CUDNN_TENSOR_NCHW, data, 1, static_cast<int>(c), 1, 1));
  }

  cudnnTensorDescriptor_t x = nullptr, channel = nullptr;

 private:
  const CudnnLibrary& lib_;
};

// Everything before the call proper (library, type, eps, handle, descriptors), then `call`, which
// returns the batch norm function's status. False where any step declines, the call included;
// other failures of the call throw. Counted on cudnn_switch() either way.
template <typename Call>
bool run_on_cudnn(const char* op, const Tensor& x, double eps, Call&& call) {
  const bool ran = [&] {
    if (x.dtype() != DType::f32 && x.dtype() != DType::f64) return false;
    if (eps < CUDNN_BN_MIN_EPSILON) return false;
    const CudnnLibrary* lib = cudnn_library();
    if (lib == nullptr) return false;
    const cudnnDataType_t data = x.dtype() == DType::f64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
    const cudnnHandle_t handle = cudnn_handle(*lib, x.device());
    if (handle == nullptr) return false;
    BatchNormDescriptors d(*lib);
    if (!d.describe(x, data)) return false;
    const CudnnScaling s(data == CUDNN_DATA_DOUBLE);
    return cudnn_ran(*lib, call(*lib, handle, d, s), op);
  }();
  cudnn_switch().count(ran);
  return ran;
}

}  // namespace

bool cudnn_batch_norm_forward_training(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                                       const Tensor& unbiased_var, const Tensor& x, const Tensor& weight,
                                       const Tensor& bias, double eps) {
  if (x.size(0) * x.size(2) < 2) {  // no unbiased variance (Note [cuDNN batch norm])
    cudnn_switch().count(false);
    return false;
  }
  // Scratch running mean; the running variance lands in unbiased_var. Both start at 0, and a
  // factor of 1 makes them the batch's statistics.
  const Tensor running_mean = empty({x.size(1)}, {x.dtype(), x.device()});
  const cudaStream_t stream = current_cuda_stream(x.device());
  const size_t bytes = static_cast<size_t>(x.size(1)) * dtype_size(x.dtype());
  NIMBUS_CUDA_CHECK(cudaMemsetAsync(running_mean.data_ptr(), 0, bytes, stream));
  NIMBUS_CUDA_CHECK(cudaMemsetAsync(unbiased_var.data_ptr(), 0, bytes, stream));
  return run_on_cudnn("batch_norm", x, eps,
                      [&](const CudnnLibrary& lib, cudnnHandle_t h, const BatchNormDescriptors& d,
                          const CudnnScaling& s) {
                        return lib.BatchNormalizationForwardTraining(
                            h, CUDNN_BATCHNORM_SPATIAL, s.one(), s.zero(), d.x, x.data_ptr(), d.x, out.data_ptr(),
                            d.channel, weight.data_ptr(), bias.data_ptr(), /*exponentialAverageFactor=*/1.0,
                            running_mean.data_ptr(), unbiased_var.data_ptr(), eps, mean.data_ptr(),
                            rstd.data_ptr());
                      });
}

bool cudnn_batch_norm_forward_inference(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                                        const Tensor& running_mean, const Tensor& running_var, double eps) {
  return run_on_cudnn("batch_norm", x, eps,
                      [&](const CudnnLibrary& lib, cudnnHandle_t h, const BatchNormDescriptors& d,
                          const CudnnScaling& s) {
                        return lib.BatchNormalizationForwardInference(
                            h, CUDNN_BATCHNORM_SPATIAL, s.one(), s.zero(), d.x, x.data_ptr(), d.x, out.data_ptr(),
                            d.channel, weight.data_ptr(), bias.data_ptr(), running_mean.data_ptr(),
                            running_var.data_ptr(), eps);
                      });
}

bool cudnn_batch_norm_backward(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                               const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                               const Tensor& weight, double eps) {
  return run_on_cudnn("batch_norm_backward", x, eps,
                      [&](const CudnnLibrary& lib, cudnnHandle_t h, const BatchNormDescriptors& d,
                          const CudnnScaling& s) {
                        return lib.BatchNormalizationBackward(
                            h, CUDNN_BATCHNORM_SPATIAL, s.one(), s.zero(), s.one(), s.zero(), d.x, x.data_ptr(),
                            d.x, grad_out.data_ptr(), d.x, grad_in.data_ptr(), d.channel, weight.data_ptr(),
                            grad_weight.data_ptr(), grad_bias.data_ptr(), eps, mean.data_ptr(), rstd.data_ptr());
                      });
}

#else  // !NIMBUS_HAVE_CUDNN

bool cudnn_batch_norm_forward_training(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                       const Tensor&, const Tensor&, double) {
  return cudnn_not_built();
}
bool cudnn_batch_norm_forward_inference(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                        const Tensor&, double) {
  return cudnn_not_built();
}
bool cudnn_batch_norm_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                               const Tensor&, const Tensor&, const Tensor&, double) {
  return cudnn_not_built();
}

#endif  // NIMBUS_HAVE_CUDNN

}  // namespace nimbus::cuda
