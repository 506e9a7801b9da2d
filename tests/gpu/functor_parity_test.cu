// Single-source parity: the functors and 16-bit conversions the CPU kernels use, compiled by nvcc
// and run on the GPU, must give the CPU's results (exactly for conversions and exact ops, within a
// few ulps for transcendental functions). Skips without a CUDA device.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/functors/binary.h"
#include "runtime/backend.h"
#include "runtime/half.h"

namespace nimbus {
namespace {

#define REQUIRE_GPU() \
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: " << cuda_backend_status()

template <typename F>
__global__ void apply_unary(F f, const float* in, float* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = f(in[i]);
}

__global__ void half_round_trip(uint16_t* half_out, uint16_t* bf16_out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  half_out[i] = float_to_half_bits(half_bits_to_float(static_cast<uint16_t>(i)));
  bf16_out[i] = float_to_bfloat16_bits(bfloat16_bits_to_float(static_cast<uint16_t>(i)));
}

template <typename F>
std::vector<float> on_gpu(F f, const std::vector<float>& in) {
  const int n = static_cast<int>(in.size());
  float *d_in = nullptr, *d_out = nullptr;
  EXPECT_EQ(cudaMalloc(&d_in, n * sizeof(float)), cudaSuccess);
  EXPECT_EQ(cudaMalloc(&d_out, n * sizeof(float)), cudaSuccess);
  cudaMemcpy(d_in, in.data(), n * sizeof(float), cudaMemcpyHostToDevice);
  apply_unary<<<(n + 255) / 256, 256>>>(f, d_in, d_out, n);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  std::vector<float> out(n);
  cudaMemcpy(out.data(), d_out, n * sizeof(float), cudaMemcpyDeviceToHost);
  cudaFree(d_in);
  cudaFree(d_out);
  return out;
}

template <typename F>
void expect_parity(F f, float ulps) {
  std::vector<float> in;
  for (int i = -4000; i <= 4000; ++i) in.push_back(i * 1e-3f);
  const std::vector<float> gpu = on_gpu(f, in);
  for (size_t i = 0; i < in.size(); ++i) {
    const float cpu = f(in[i]);
    EXPECT_NEAR(gpu[i], cpu, ulps * std::numeric_limits<float>::epsilon() * std::max(1.0f, std::abs(cpu)))
        << "input " << in[i];
  }
}

TEST(FunctorParity, UnaryFunctorsMatchTheCpu) {
  REQUIRE_GPU();
  expect_parity(functors::Neg{}, 0);
  expect_parity(functors::Abs{}, 0);
  expect_parity(functors::Relu{}, 0);
  expect_parity(functors::Exp{}, 4);
  expect_parity(functors::Tanh{}, 4);
  expect_parity(functors::Sigmoid{}, 4);
  expect_parity(functors::Silu{}, 4);
  expect_parity(functors::GeluErf{}, 4);
  expect_parity(functors::GeluTanh{}, 4);
  expect_parity(functors::Sin{}, 4);
}

TEST(FunctorParity, SixteenBitConversionsAreBitIdentical) {
  REQUIRE_GPU();
  const int n = 65536;
  uint16_t *d_half = nullptr, *d_bf16 = nullptr;
  ASSERT_EQ(cudaMalloc(&d_half, n * 2), cudaSuccess);
  ASSERT_EQ(cudaMalloc(&d_bf16, n * 2), cudaSuccess);
  half_round_trip<<<n / 256, 256>>>(d_half, d_bf16, n);
  std::vector<uint16_t> half(n), bf16(n);
  cudaMemcpy(half.data(), d_half, n * 2, cudaMemcpyDeviceToHost);
  cudaMemcpy(bf16.data(), d_bf16, n * 2, cudaMemcpyDeviceToHost);
  cudaFree(d_half);
  cudaFree(d_bf16);
  for (int i = 0; i < n; ++i) {
    const auto b = static_cast<uint16_t>(i);
    EXPECT_EQ(half[i], float_to_half_bits(half_bits_to_float(b))) << i;
    EXPECT_EQ(bf16[i], float_to_bfloat16_bits(bfloat16_bits_to_float(b))) << i;
  }
}

}  // namespace
}  // namespace nimbus
