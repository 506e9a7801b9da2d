#include "kernels/cpu/cpu_kernels.h"

namespace nimbus::cpu {

void register_kernels() {
  KernelTable table;
  table.unary = unary_kernel;
  table.binary = binary_kernel;
  table.where = where_kernel;
  table.batched_gemm = batched_gemm_kernel;
  table.sgd_step = sgd_step_kernel;
  table.adam_step = adam_step_kernel;
  table.sgd_step_many = sgd_step_many_kernel;
  table.adam_step_many = adam_step_many_kernel;
  fill_reduction_kernels(table);
  fill_indexing_kernels(table);
  fill_nn_softmax_kernels(table);
  fill_nn_norm_kernels(table);
  fill_nn_batch_norm_kernels(table);
  fill_nn_misc_kernels(table);
  fill_nn_attention_kernels(table);
  fill_conv_kernels(table);
  fill_pool_kernels(table);
  nimbus::register_kernels(DeviceType::cpu, table);
}

}  // namespace nimbus::cpu
