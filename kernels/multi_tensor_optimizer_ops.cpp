// Public multi-tensor optimizer steps: every operand checked as the per-tensor ops check it, then
// one multi-tensor kernel call per (device, dtype) group, or the per-tensor kernels where the
// multi-tensor path is off (Note [Multi-tensor optimizer steps] in kernels/multi_tensor_chunks.h).
#include "kernels/multi_tensor_optimizer_ops.h"

#include <algorithm>
#include <utility>

#include "kernels/dispatch.h"
#include "kernels/kernel_switch.h"
#include "kernels/op_utils.h"

namespace nimbus {

namespace {

void check_state(const char* op, size_t index, const Tensor& param, const Tensor& t, const char* what) {
  NIMBUS_CHECK_T(ShapeError, t.shape() == param.shape(), op, ": ", what, " of parameter ", index, " has shape ",
                 shape_str(t.shape()), ", the parameter ", shape_str(param.shape()));
  NIMBUS_CHECK_T(DTypeError, t.dtype() == param.dtype(), op, ": ", what, " of parameter ", index, " is ",
                 dtype_name(t.dtype()), ", the parameter ", dtype_name(param.dtype()));
  NIMBUS_CHECK(t.is_contiguous(), op, ": ", what, " of parameter ", index, " must be contiguous");
}

void check_floating(const char* op, size_t index, const Tensor& param) {
  NIMBUS_CHECK_T(DTypeError, is_floating(param.dtype()), op, ": parameters must be floating, parameter ", index,
                 " is ", dtype_name(param.dtype()));
}

void check_list_size(const char* op, const std::vector<Tensor>& params, const std::vector<Tensor>& list,
                     const char* what) {
  NIMBUS_CHECK(list.size() == params.size(), op, ": ", params.size(), " parameters but ", list.size(), " ", what);
}

// Whether the multi-tensor kernel of `device` may run: its table has one, it is switched on (CUDA
// only; elsewhere it is always on), and no two written tensors share memory (one launch updates
// them concurrently, while the per-tensor path updates them one after the other).
template <typename Entry>
bool use_multi_tensor(Device device, Entry entry, const std::vector<const std::vector<Tensor>*>& written) {
  if (entry == nullptr) return false;
  if (device.type == DeviceType::cuda && !multi_tensor_optimizer_switch().enabled()) return false;
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  for (const std::vector<Tensor>* list : written)
    for (const Tensor& t : *list) {
      if (t.numel() == 0) continue;
      const auto begin = reinterpret_cast<uintptr_t>(t.data_ptr());
      ranges.emplace_back(begin, begin + static_cast<uintptr_t>(t.numel()) * t.element_size());
    }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) return false;
  return true;
}

// The entries of `list` at `indices`.
std::vector<Tensor> pick(const std::vector<Tensor>& list, const std::vector<size_t>& indices) {
  std::vector<Tensor> out;
  out.reserve(indices.size());
  for (size_t i : indices) out.push_back(list[i]);
  return out;
}

}  // namespace

std::vector<std::vector<size_t>> group_by_device_and_dtype(const std::vector<Tensor>& tensors) {
  std::vector<std::vector<size_t>> groups;
  std::vector<std::pair<Device, DType>> keys;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::pair<Device, DType> key{tensors[i].device(), tensors[i].dtype()};
    const auto found = std::find(keys.begin(), keys.end(), key);
    if (found == keys.end()) {
      keys.push_back(key);
      groups.push_back({i});
    } else {
      groups[static_cast<size_t>(found - keys.begin())].push_back(i);
    }
  }
  return groups;
}

void sgd_step_many_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                    const std::vector<Tensor>& momentum_buffers, const functors::SgdHyper& hyper) {
  const char* op = "sgd_step_many";
  const bool momentum = hyper.momentum != 0;
  check_list_size(op, params, grads, "gradients");
  if (momentum) check_list_size(op, params, momentum_buffers, "momentum buffers");
  for (size_t i = 0; i < params.size(); ++i) {
    detail::common_device(op, {&params[i], &grads[i]});
    check_floating(op, i, params[i]);
    check_state(op, i, params[i], params[i], "the parameter");
    check_state(op, i, params[i], grads[i], "the gradient");
    if (momentum) {
      NIMBUS_CHECK(momentum_buffers[i].defined(), op, ": momentum needs a momentum buffer for parameter ", i);
      detail::common_device(op, {&params[i], &momentum_buffers[i]});
      check_state(op, i, params[i], momentum_buffers[i], "the momentum buffer");
    }
  }
  for (const std::vector<size_t>& group : group_by_device_and_dtype(params)) {
    const Device device = params[group.front()].device();
    for (size_t i : group) params[i].buffer().bump_version();
    const std::vector<Tensor> p = pick(params, group), g = pick(grads, group);
    const std::vector<Tensor> b = momentum ? pick(momentum_buffers, group) : std::vector<Tensor>();
    const KernelTable& table = kernels_for(device);
    if (use_multi_tensor(device, table.sgd_step_many, {&p, &b})) {
      table.sgd_step_many(p, g, b, hyper);
      continue;
    }
    const auto step = NIMBUS_KERNEL(device, sgd_step, "sgd_step");
    for (size_t i = 0; i < p.size(); ++i) step(p[i], g[i], momentum ? b[i] : Tensor(), hyper);
  }
}

void adam_step_many_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                     const functors::AdamHyper& hyper) {
  const char* op = "adam_step_many";
  NIMBUS_CHECK(hyper.step >= 1, op, ": step counts from 1, got ", hyper.step);
  check_list_size(op, params, grads, "gradients");
  check_list_size(op, params, exp_avgs, "exp_avg tensors");
  check_list_size(op, params, exp_avg_sqs, "exp_avg_sq tensors");
  for (size_t i = 0; i < params.size(); ++i) {
    detail::common_device(op, {&params[i], &grads[i], &exp_avgs[i], &exp_avg_sqs[i]});
    check_floating(op, i, params[i]);
    check_state(op, i, params[i], params[i], "the parameter");
    check_state(op, i, params[i], grads[i], "the gradient");
    check_state(op, i, params[i], exp_avgs[i], "exp_avg");
    check_state(op, i, params[i], exp_avg_sqs[i], "exp_avg_sq");
  }
  for (const std::vector<size_t>& group : group_by_device_and_dtype(params)) {
    const Device device = params[group.front()].device();
    for (size_t i : group) params[i].buffer().bump_version();
    const std::vector<Tensor> p = pick(params, group), g = pick(grads, group);
    const std::vector<Tensor> m = pick(exp_avgs, group), v = pick(exp_avg_sqs, group);
    const KernelTable& table = kernels_for(device);
    if (use_multi_tensor(device, table.adam_step_many, {&p, &m, &v})) {
      table.adam_step_many(p, g, m, v, hyper);
      continue;
    }
    const auto step = NIMBUS_KERNEL(device, adam_step, "adam_step");
    for (size_t i = 0; i < p.size(); ++i) step(p[i], g[i], m[i], v[i], hyper);
  }
}

}  // namespace nimbus
