#pragma once
// Optimizer steps over many parameters at once (Note [Multi-tensor optimizer steps] in
// kernels/multi_tensor_chunks.h). The lists are parallel: entry i of each belongs to params[i],
// with the shapes, dtype and contiguity that sgd_step_ / adam_step_ require of one parameter. The
// parameters may live on several devices and have several dtypes: each (device, dtype) group is
// one call of its device's multi-tensor kernel. The result is that of one per-tensor step per
// parameter, bit for bit.
#include <vector>

#include "kernels/functors/optimizer.h"
#include "runtime/tensor.h"

namespace nimbus {

// momentum_buffers may be empty when momentum == 0.
NIMBUS_API void sgd_step_many_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                               const std::vector<Tensor>& momentum_buffers, const functors::SgdHyper& hyper);
NIMBUS_API void adam_step_many_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                                const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                                const functors::AdamHyper& hyper);

// On CUDA the multi-tensor kernels run only while multi_tensor_optimizer_switch() is on
// (kernels/kernel_switch.h; NIMBUS_CUDA_MULTI_TENSOR_OPTIMIZER=1); while off, the ops above run the
// per-tensor kernel for each CUDA parameter. The CPU always takes its multi-tensor entry (a loop
// over the per-tensor one).

// The indices of `tensors` grouped by (device, dtype): groups in order of first appearance,
// indices ascending within a group.
NIMBUS_API std::vector<std::vector<size_t>> group_by_device_and_dtype(const std::vector<Tensor>& tensors);

}  // namespace nimbus
