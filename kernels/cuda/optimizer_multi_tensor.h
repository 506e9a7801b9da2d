#pragma once
// The multi-tensor optimizer steps of the CUDA table (optimizer_multi_tensor.cu; Note
// [Multi-tensor optimizer steps] in kernels/multi_tensor_chunks.h).
#include "kernels/dispatch.h"

namespace nimbus::cuda {

// Sets sgd_step_many and adam_step_many. They run whenever the public ops call them; the switch
// that keeps them off by default is checked there (kernels/multi_tensor_optimizer_ops.h).
void fill_multi_tensor_optimizer_kernels(KernelTable& table);

}  // namespace nimbus::cuda
