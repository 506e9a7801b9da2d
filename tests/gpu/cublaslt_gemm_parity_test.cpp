// GEMMs through cuBLASLt on cuda:0 (switch on, Note [cuBLASLt epilogues] in
// kernels/cuda/cublaslt_gemm.cu) against the CPU: linear with bias (the bias epilogue, through the
// batched_gemm_bias entry) and without, and batched matmul
// over odd sizes (1, 7, 33, 257), plain and transposed operands and a view that starts one element
// into its storage, in f32, f16 and bf16. Each dtype also checks that cuBLASLt, not the cuBLAS
// fallback, computed results (cublaslt_gemm_switch().counts()), since a fallback would pass the comparison
// without testing cuBLASLt; f64 must fall back. Skipped without a CUDA device.
//
// Tolerances scale with sqrt(K) as in ops_parity_test.cpp's matmul: f32 (TF32 off unless
// NIMBUS_ALLOW_TF32=1, which this test then cannot hold to these bounds) by 4 sqrt(K), since only
// the order of the sums differs from the CPU; f16 and bf16 by 10 sqrt(K), since a sum may round
// to the other neighbour.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gpu/parity_harness.h"
#include "kernels/kernel_switch.h"

namespace nimbus::gpu_parity {
namespace {

Tol gemm_tolerance(DType dt, int64_t k) {
  const double root = std::sqrt(static_cast<double>(std::max<int64_t>(k, 1)));
  return tolerance(dt).scaled(dt == DType::f32 ? 4 * root : (dt == DType::f64 ? root : 10 * root));
}

const std::vector<int64_t>& odd_sizes() {
  static const std::vector<int64_t> s = {1, 7, 33, 257};
  return s;
}

// Built with a stream: GCC 12 warns (-Wrestrict, a known false positive) on "x" + std::string.
std::string linear_str(int64_t m, int64_t k, int64_t n, bool bias, const char* x_layout) {
  std::ostringstream s;
  s << "x [" << m << ", " << k << "] (" << x_layout << ") w [" << n << ", " << k << "]" << (bias ? " bias" : "");
  return s.str();
}

// x's three layouts: dense, the transpose of a dense [k, m], and a dense view that starts one
// element into its storage (a pointer cuBLASLt must not assume 256-byte aligned). Made as
// storage plus a view (Note [GPU parity harness]), so both devices see the same strides.
Input x_input(int64_t m, int64_t k, DType dt, int layout, Generator& gen) {
  if (layout == 1) return make_input({m, k}, dt, Layout::transposed, gen);
  if (layout == 2)
    return {random_tensor({m * k + 1}, dt, Dist::normal, gen),
            [m, k](const Tensor& t) { return t.slice(0, 1, m * k + 1).view({m, k}); }};
  return make_input({m, k}, dt, Layout::contiguous, gen);
}
const char* x_layout_name(int layout) { return layout == 0 ? "dense" : (layout == 1 ? "transposed" : "offset"); }

void linear_matches_cpu(DType dt) {
  const ScopedKernelSwitch on(cublaslt_gemm_switch(), true);
  Generator gen(61);
  const KernelSwitch::Counts before = cublaslt_gemm_switch().counts();
  for (int64_t m : odd_sizes())
    for (int64_t k : odd_sizes())
      for (int64_t n : odd_sizes())
        for (bool with_bias : {false, true})
          for (int layout = 0; layout < 3; ++layout) {
            // The offset and transposed layouts over every size would triple the run for little:
            // they run where one of the sizes is odd and small.
            if (layout != 0 && m != 7 && k != 7 && n != 7) continue;
            const Input x = x_input(m, k, dt, layout, gen);
            const Tensor w = random_tensor({n, k}, dt, Dist::normal, gen);
            const Tensor b = with_bias ? random_tensor({n}, dt, Dist::normal, gen) : Tensor();
            const Tensor cpu = linear(x.on(Device::cpu()), w, b);
            const Tensor gpu_out = linear(x.on(gpu()), w.to(gpu()), with_bias ? b.to(gpu()) : Tensor());
            const std::string what = linear_str(m, k, n, with_bias, x_layout_name(layout));
            expect_close(cpu, gpu_out, gemm_tolerance(dt, k + 1), describe("cublaslt linear", dt, {m, k}, what));
          }
  const KernelSwitch::Counts after = cublaslt_gemm_switch().counts();
  EXPECT_GT(after.ran, before.ran) << "no linear ran on cuBLASLt for " << dtype_name(dt);
  std::cout << "[ cublaslt ] linear " << dtype_name(dt) << ": " << after.ran - before.ran
            << " on cuBLASLt, " << after.fell_back - before.fell_back << " fell back\n";
}

void batched_matmul_matches_cpu(DType dt) {
  const ScopedKernelSwitch on(cublaslt_gemm_switch(), true);
  Generator gen(62);
  const KernelSwitch::Counts before = cublaslt_gemm_switch().counts();
  struct Dims {
    Shape a, b;
  };
  const std::vector<Dims> cases = {{{3, 1, 1}, {3, 1, 1}},       {{3, 7, 33}, {3, 33, 5}},
                                   {{2, 33, 257}, {2, 257, 7}},  {{5, 257, 7}, {5, 7, 33}},
                                   {{2, 3, 7, 9}, {2, 3, 9, 1}}};
  for (const Dims& c : cases)
    for (Layout lb : {Layout::contiguous, Layout::transposed}) {
      // Two batch dims merge into one by reshape, which a transposed b would need copied.
      if (c.a.size() == 4 && lb == Layout::transposed) continue;
      const Tensor a = random_tensor(c.a, dt, Dist::normal, gen);
      const Input b = make_input(c.b, dt, lb, gen);
      const Tensor cpu = matmul(a, b.on(Device::cpu()));
      const Tensor gpu_out = matmul(a.to(gpu()), b.on(gpu()));
      std::string what = shape_str(c.b);
      what.append(" b ").append(layout_name(lb));
      expect_close(cpu, gpu_out, gemm_tolerance(dt, c.a.back()), describe("cublaslt matmul", dt, c.a, what));
    }
  const KernelSwitch::Counts after = cublaslt_gemm_switch().counts();
  EXPECT_GT(after.ran, before.ran) << "no batched matmul ran on cuBLASLt for " << dtype_name(dt);
  std::cout << "[ cublaslt ] batched matmul " << dtype_name(dt) << ": " << after.ran - before.ran
            << " on cuBLASLt, " << after.fell_back - before.fell_back << " fell back\n";
}

TEST(CublasLtGemmParity, LinearF32) {
  NIMBUS_REQUIRE_GPU();
  linear_matches_cpu(DType::f32);
}
TEST(CublasLtGemmParity, LinearF16) {
  NIMBUS_REQUIRE_GPU();
  linear_matches_cpu(DType::f16);
}
TEST(CublasLtGemmParity, LinearBF16) {
  NIMBUS_REQUIRE_GPU();
  linear_matches_cpu(DType::bf16);
}
TEST(CublasLtGemmParity, BatchedMatmulF32) {
  NIMBUS_REQUIRE_GPU();
  batched_matmul_matches_cpu(DType::f32);
}
TEST(CublasLtGemmParity, BatchedMatmulF16) {
  NIMBUS_REQUIRE_GPU();
  batched_matmul_matches_cpu(DType::f16);
}
TEST(CublasLtGemmParity, BatchedMatmulBF16) {
  NIMBUS_REQUIRE_GPU();
  batched_matmul_matches_cpu(DType::bf16);
}

// f64 is not the Lt path's: with the switch on it falls back to cuBLAS, counted, and still matches.
TEST(CublasLtGemmParity, F64FallsBackToCublas) {
  NIMBUS_REQUIRE_GPU();
  const ScopedKernelSwitch on(cublaslt_gemm_switch(), true);
  Generator gen(63);
  const KernelSwitch::Counts before = cublaslt_gemm_switch().counts();
  const Tensor x = random_tensor({33, 7}, DType::f64, Dist::normal, gen);
  const Tensor w = random_tensor({5, 7}, DType::f64, Dist::normal, gen);
  const Tensor b = random_tensor({5}, DType::f64, Dist::normal, gen);
  expect_close(linear(x, w, b), linear(x.to(gpu()), w.to(gpu()), b.to(gpu())), gemm_tolerance(DType::f64, 8),
               "f64 linear with the switch on");
  const KernelSwitch::Counts after = cublaslt_gemm_switch().counts();
  EXPECT_EQ(after.ran, before.ran);
  EXPECT_GT(after.fell_back, before.fell_back);
}

// Switched off, the cuBLAS path runs and cuBLASLt is not even asked.
TEST(CublasLtGemmParity, SwitchOffLeavesCublasLtUnused) {
  NIMBUS_REQUIRE_GPU();
  const ScopedKernelSwitch off(cublaslt_gemm_switch(), false);
  Generator gen(64);
  const KernelSwitch::Counts before = cublaslt_gemm_switch().counts();
  const Tensor x = random_tensor({7, 33}, DType::f32, Dist::normal, gen);
  const Tensor w = random_tensor({5, 33}, DType::f32, Dist::normal, gen);
  const Tensor b = random_tensor({5}, DType::f32, Dist::normal, gen);
  expect_close(linear(x, w, b), linear(x.to(gpu()), w.to(gpu()), b.to(gpu())), gemm_tolerance(DType::f32, 34),
               "linear with the switch off");
  const KernelSwitch::Counts after = cublaslt_gemm_switch().counts();
  EXPECT_EQ(after.ran, before.ran);
  EXPECT_EQ(after.fell_back, before.fell_back);
}

}  // namespace
}  // namespace nimbus::gpu_parity
