#pragma once
// The CPU kernel library, one file per family; register_cpu.cpp assembles the table.
#include "kernels/dispatch.h"

namespace nimbus::cpu {

void unary_kernel(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryArgs& args);
void binary_kernel(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
void where_kernel(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
void batched_gemm_kernel(const Tensor& out, const Tensor& a, const Tensor& w);

// Each family file adds its entries to the CPU table.
void fill_reduction_kernels(KernelTable& table);
void fill_indexing_kernels(KernelTable& table);

}  // namespace nimbus::cpu
