// The CUDA scaled dot-product attention kernels against the CPU ones (Note [GPU parity harness]):
// forward output and probabilities, and the three input gradients, for f32 and f64, over head
// layouts that batch differently on the GPU (contiguous [B, H, T, d]; heads interleaved in
// [B, T, H, d]; one batch; one head), causal and not, Tq != Tk, and a head width of 1.
// Skipped without a CUDA device.
#include <gtest/gtest.h>

#include "gpu/parity_harness.h"
#include "kernels/nn_ops.h"

namespace nimbus::gpu_parity {
namespace {

struct AttentionShape {
  int64_t b, h, tq, tk, d, dv;
  bool interleaved;  // stored as [B, T, H, d] and viewed as [B, H, T, d]
};

// Random [B, H, T, w] data in the layout the shape names: the same storage on both devices.
Input heads(const AttentionShape& s, int64_t t, int64_t w, DType dt, Generator& gen) {
  if (!s.interleaved) return make_input({s.b, s.h, t, w}, dt, Layout::contiguous, gen);
  return {random_tensor({s.b, t, s.h, w}, dt, Dist::normal, gen),
          [](const Tensor& x) { return x.permute({0, 2, 1, 3}); }};
}

class AttentionParity : public ::testing::TestWithParam<DType> {};

TEST_P(AttentionParity, ForwardAndBackwardMatchTheCpu) {
  NIMBUS_REQUIRE_GPU();
  const DType dt = GetParam();
  const Tol tol = tolerance(dt).scaled(10);  // sums over the keys and the head width
  const std::vector<AttentionShape> shapes = {
      {2, 3, 17, 17, 8, 8, false}, {2, 4, 33, 33, 16, 16, true}, {1, 4, 9, 9, 8, 8, true},
      {5, 1, 12, 12, 4, 4, true},  {2, 2, 7, 19, 8, 5, false},   {3, 2, 130, 130, 1, 1, true},
      {16, 4, 128, 128, 64, 64, true}};
  Generator gen(21);
  for (const AttentionShape& s : shapes) {
    for (bool causal : {false, true}) {
      const Input q = heads(s, s.tq, s.d, dt, gen), k = heads(s, s.tk, s.d, dt, gen), v = heads(s, s.tk, s.dv, dt, gen);
      const Input g = heads(s, s.tq, s.dv, dt, gen);
      const std::string what = describe("attention", dt, {s.b, s.h, s.tq, s.tk, s.d, s.dv},
                                        std::string(s.interleaved ? "interleaved" : "contiguous") +
                                            (causal ? " causal" : ""));
      const AttentionResult cpu = scaled_dot_product_attention(q.on(Device::cpu()), k.on(Device::cpu()),
                                                               v.on(Device::cpu()), causal);
      const AttentionResult gpu_result = scaled_dot_product_attention(q.on(gpu()), k.on(gpu()), v.on(gpu()), causal);
      expect_close(cpu.output, gpu_result.output, tol, what + " output");
      expect_close(cpu.probs, gpu_result.probs, tol, what + " probs");
      const AttentionGrads cpu_grads = scaled_dot_product_attention_backward(
          g.on(Device::cpu()), q.on(Device::cpu()), k.on(Device::cpu()), v.on(Device::cpu()), cpu.probs, causal);
      const AttentionGrads gpu_grads = scaled_dot_product_attention_backward(g.on(gpu()), q.on(gpu()), k.on(gpu()),
                                                                             v.on(gpu()), gpu_result.probs, causal);
      expect_close(cpu_grads.grad_q, gpu_grads.grad_q, tol, what + " grad_q");
      expect_close(cpu_grads.grad_k, gpu_grads.grad_k, tol, what + " grad_k");
      expect_close(cpu_grads.grad_v, gpu_grads.grad_v, tol, what + " grad_v");
    }
  }
}

TEST(AttentionKernels, AreRegisteredOnCuda) {
  NIMBUS_REQUIRE_GPU();
  EXPECT_TRUE(has_fused_attention(gpu()));
}

INSTANTIATE_TEST_SUITE_P(Cuda, AttentionParity, ::testing::Values(DType::f32, DType::f64),
                         [](const ::testing::TestParamInfo<DType>& info) { return std::string(dtype_name(info.param)); });

}  // namespace
}  // namespace nimbus::gpu_parity
