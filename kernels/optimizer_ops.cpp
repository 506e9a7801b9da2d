// Public optimizer steps: one check of the operands, then the device's fused kernel.
#include "kernels/optimizer_ops.h"

#include "kernels/dispatch.h"
#include "kernels/op_utils.h"

namespace nimbus {

namespace {
void check_state(const char* op, const Tensor& param, const Tensor& t, const char* what) {
  NIMBUS_CHECK_T(ShapeError, t.shape() == param.shape(), op, ": ", what, " has shape ", shape_str(t.shape()),
                 ", the parameter ", shape_str(param.shape()));
  NIMBUS_CHECK_T(DTypeError, t.dtype() == param.dtype(), op, ": ", what, " is ", dtype_name(t.dtype()),
                 ", the parameter ", dtype_name(param.dtype()));
  NIMBUS_CHECK(t.is_contiguous(), op, ": ", what, " must be contiguous");
}
}  // namespace

void sgd_step_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const functors::SgdHyper& hyper) {
  const Device device = detail::common_device("sgd_step", {&param, &grad});
  NIMBUS_CHECK_T(DTypeError, is_floating(param.dtype()), "sgd_step: parameters must be floating, got ",
                 dtype_name(param.dtype()));
  check_state("sgd_step", param, param, "the parameter");
  check_state("sgd_step", param, grad, "the gradient");
  if (hyper.momentum != 0) {
    NIMBUS_CHECK(momentum_buffer.defined(), "sgd_step: momentum needs a momentum buffer");
    detail::common_device("sgd_step", {&param, &momentum_buffer});
    check_state("sgd_step", param, momentum_buffer, "the momentum buffer");
  }
  param.buffer().bump_version();
  NIMBUS_KERNEL(device, sgd_step, "sgd_step")(param, grad, momentum_buffer, hyper);
}

void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const functors::AdamHyper& hyper) {
  const Device device = detail::common_device("adam_step", {&param, &grad, &exp_avg, &exp_avg_sq});
  NIMBUS_CHECK_T(DTypeError, is_floating(param.dtype()), "adam_step: parameters must be floating, got ",
                 dtype_name(param.dtype()));
  NIMBUS_CHECK(hyper.step >= 1, "adam_step: step counts from 1, got ", hyper.step);
  check_state("adam_step", param, param, "the parameter");
  check_state("adam_step", param, grad, "the gradient");
  check_state("adam_step", param, exp_avg, "exp_avg");
  check_state("adam_step", param, exp_avg_sq, "exp_avg_sq");
  param.buffer().bump_version();
  NIMBUS_KERNEL(device, adam_step, "adam_step")(param, grad, exp_avg, exp_avg_sq, hyper);
}

}  // namespace nimbus
