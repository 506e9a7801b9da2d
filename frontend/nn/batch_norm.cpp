#include "frontend/nn/batch_norm.h"

#include "frontend/autograd/functions.h"
#include "frontend/autograd/nn_functions.h"
#include "kernels/ops.h"

namespace nimbus::nn {

BatchNorm::BatchNorm(int64_t num_features, int spatial_dims, double eps, double momentum, TensorOptions options)
    : num_features_(num_features),
      spatial_dims_(spatial_dims),
      eps_(eps),
      momentum_(momentum),
      weight_(register_parameter("weight", ones({num_features}, options))),
      bias_(register_parameter("bias", zeros({num_features}, options))),
      running_mean_(register_buffer("running_mean", zeros({num_features}, options))),
      running_var_(register_buffer("running_var", ones({num_features}, options))),
      num_batches_tracked_(register_buffer("num_batches_tracked", zeros({}, {DType::i64, options.device}))) {
  NIMBUS_CHECK_T(ConfigError, num_features > 0 && eps > 0 && momentum >= 0 && momentum <= 1,
                 "BatchNorm: need num_features > 0, eps > 0 and momentum in [0, 1]; got ", num_features, ", ", eps,
                 ", ", momentum);
}

Variable BatchNorm::forward(const Variable& input) {
  // 16-bit inputs (mixed-precision training) are normalized in f32 and the result cast back, as
  // cuDNN's batch norm keeps its statistics in f32: f16 squares of the centred values overflow
  // above 256, and a bf16 mean keeps 8 bits, which the subtraction would carry into every value.
  const bool narrow = input.dtype() == DType::f16 || input.dtype() == DType::bf16;
  const int64_t rank = 2 + spatial_dims_;
  NIMBUS_CHECK_T(ShapeError, input.dim() == rank && input.size(1) == num_features_, "BatchNorm",
                 spatial_dims_ ? "2d" : "1d", "(", num_features_, "): expected input ",
                 rank == 2 ? "[N, C]" : "[N, C, H, W]", " with C = ", num_features_, ", got ",
                 shape_str(input.shape()));
  const bool training = is_training();
  const int64_t count = input.data().numel() / num_features_;
  NIMBUS_CHECK_T(ShapeError, !training || count > 1,
                 "BatchNorm: training needs more than one value per channel, got input ", shape_str(input.shape()));
  // One fused op (Note [Fused batch norm] in kernels/nn_batch_norm.cpp) in one dtype: f64 when the
  // input or the parameters are f64, else f32 (the dtype the composed formula's type promotion
  // gave). The casts are on the tape, so each gradient comes back in its tensor's own dtype.
  const DType dt = input.dtype() == DType::f64 || weight_.dtype() == DType::f64 ? DType::f64 : DType::f32;
  auto in_dt = [dt](const Variable& v) { return v.dtype() == dt ? v : autograd::to(v, dt); };
  autograd::BatchNormOutput r =
      autograd::batch_norm(in_dt(input), in_dt(weight_), in_dt(bias_), running_mean_, running_var_, training, eps_);
  if (training) {
    // The running statistics from the batch's mean and biased variance, as PyTorch updates them:
    // momentum, and the unbiased variance.
    autograd::NoGradGuard no_grad;
    const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
    running_mean_.copy_(add(mul(running_mean_, 1 - momentum_), mul(r.mean, momentum_)));
    running_var_.copy_(add(mul(running_var_, 1 - momentum_), mul(r.var, momentum_ * unbias)));
    num_batches_tracked_.copy_(add(num_batches_tracked_, 1));
  }
  return narrow ? autograd::to(r.output, input.dtype()) : r.output;
}

}  // namespace nimbus::nn
