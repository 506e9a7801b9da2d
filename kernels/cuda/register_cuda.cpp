// Assembles the CUDA kernel table. Entries left null make the public op raise
// "<op>: not implemented on cuda:N" (NIMBUS_KERNEL in kernels/dispatch.h) until their kernels land.
#include "analytics/cuda/register_analytics_cuda.h"
#include "kernels/cuda/cuda_kernels.h"
#include "runtime/backend.h"

namespace nimbus::cuda {

void register_kernels() {
  KernelTable table;
  fill_elementwise_kernels(table);
  fill_reduction_kernels(table);
  fill_gemm_kernels(table);
  fill_nn_kernels(table);
  fill_optimizer_kernels(table);
  fill_indexing_kernels(table);
  fill_nn_misc_kernels(table);
  fill_conv_kernels(table);
  fill_attention_kernels(table);
  fill_batch_norm_kernels(table);
  nimbus::register_kernels(DeviceType::cuda, table);
  register_analytics_ops();  // take, filter, sort and group_by on CUDA columns (analytics/ops/device_ops.h)
  // Tensor::copy_ on a CUDA device (dtype conversion, strided and broadcast copies) runs here.
  nimbus::register_device_element_copy(DeviceType::cuda, element_copy);
}

}  // namespace nimbus::cuda
