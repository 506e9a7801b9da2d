#pragma once
// The CPU kernel library, one file per family; register_cpu.cpp assembles the table.
#include "kernels/dispatch.h"

namespace nimbus::cpu {

void unary_kernel(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryArgs& args);
void binary_kernel(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
void where_kernel(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
void batched_gemm_kernel(const Tensor& out, const Tensor& a, const Tensor& w, bool accumulate);

void sgd_step_kernel(const Tensor& param, const Tensor& grad, const Tensor& buf, const functors::SgdHyper& hyper);
void adam_step_kernel(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                      const functors::AdamHyper& hyper);
// Many parameters at once: a loop over the kernels above (kernels/cpu/optimizer_many_cpu.cpp).
void sgd_step_many_kernel(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                          const std::vector<Tensor>& momentum_buffers, const functors::SgdHyper& hyper);
void adam_step_many_kernel(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                           const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                           const functors::AdamHyper& hyper);

// Each family file adds its entries to the CPU table.
void fill_reduction_kernels(KernelTable& table);
void fill_indexing_kernels(KernelTable& table);
// NN ops (kernels/nn_ops.h): softmax and cross-entropy, layer norm, batch norm, the rest, fused
// attention.
void fill_nn_softmax_kernels(KernelTable& table);
void fill_nn_norm_kernels(KernelTable& table);
void fill_nn_batch_norm_kernels(KernelTable& table);
void fill_nn_misc_kernels(KernelTable& table);
void fill_nn_attention_kernels(KernelTable& table);
// Convolution and pooling (kernels/conv_ops.h).
void fill_conv_kernels(KernelTable& table);
void fill_pool_kernels(KernelTable& table);

}  // namespace nimbus::cpu
