// CPU optimizer steps over many parameters: one per-tensor step after another. Each per-tensor
// step already spreads its elements over the thread pool, and launches cost nothing here, so the
// multi-tensor entries exist only so that the API is the same on every device (Note [Multi-tensor
// optimizer steps]); the results are the per-tensor path's by construction.
#include "kernels/cpu/cpu_kernels.h"

namespace nimbus::cpu {

void sgd_step_many_kernel(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                          const std::vector<Tensor>& momentum_buffers, const functors::SgdHyper& hyper) {
  for (size_t i = 0; i < params.size(); ++i)
    sgd_step_kernel(params[i], grads[i], hyper.momentum != 0 ? momentum_buffers[i] : Tensor(), hyper);
}

void adam_step_many_kernel(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                           const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                           const functors::AdamHyper& hyper) {
  for (size_t i = 0; i < params.size(); ++i) adam_step_kernel(params[i], grads[i], exp_avgs[i], exp_avg_sqs[i], hyper);
}

}  // namespace nimbus::cpu
