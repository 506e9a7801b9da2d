#include "frontend/nn/batch_norm.h"

#include "frontend/autograd/functions.h"
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
  const Variable x = narrow ? autograd::to(input, DType::f32) : input;
  const Variable weight = narrow ? autograd::to(weight_, DType::f32) : weight_;
  const Variable bias = narrow ? autograd::to(bias_, DType::f32) : bias_;
  const int64_t rank = 2 + spatial_dims_;
  NIMBUS_CHECK_T(ShapeError, x.dim() == rank && x.size(1) == num_features_, "BatchNorm", spatial_dims_ ? "2d" : "1d",
                 "(", num_features_, "): expected input ", rank == 2 ? "[N, C]" : "[N, C, H, W]", " with C = ",
                 num_features_, ", got ", shape_str(x.shape()));
  std::vector<int64_t> dims = {0};
  for (int64_t d = 2; d < rank; ++d) dims.push_back(d);
  Shape channel_shape(static_cast<size_t>(rank), 1);
  channel_shape[1] = num_features_;  // [1, C] or [1, C, 1, 1]: broadcasts over the other dims

  Variable mean, var;
  if (is_training()) {
    const int64_t count = x.data().numel() / num_features_;
    NIMBUS_CHECK_T(ShapeError, count > 1, "BatchNorm: training needs more than one value per channel, got input ",
                   shape_str(x.shape()));
    mean = autograd::mean(x, dims, /*keepdim=*/true);
    const Variable centred = autograd::sub(x, mean);
    var = autograd::mean(autograd::mul(centred, centred), dims, true);
    autograd::NoGradGuard no_grad;
    const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
    running_mean_.copy_(add(mul(running_mean_, 1 - momentum_), mul(mean.data().reshape({num_features_}), momentum_)));
    running_var_.copy_(
        add(mul(running_var_, 1 - momentum_), mul(var.data().reshape({num_features_}), momentum_ * unbias)));
    num_batches_tracked_.copy_(add(num_batches_tracked_, 1));
  } else {
    mean = Variable(running_mean_.reshape(channel_shape));
    var = Variable(running_var_.reshape(channel_shape));
  }
  const Variable normalised = autograd::div(autograd::sub(x, mean), autograd::sqrt(autograd::add(var, eps_)));
  const Variable out = autograd::add(autograd::mul(normalised, autograd::reshape(weight, channel_shape)),
                                     autograd::reshape(bias, channel_shape));
  return narrow ? autograd::to(out, input.dtype()) : out;
}

}  // namespace nimbus::nn
