// Fused scaled dot-product attention against its composition from matmul and softmax: outputs and
// the gradients of q, k and v, over causal and full masks, context lengths around the kernel's
// causal block (64), unequal query and key lengths, heads read in place from [B, T, H, d], f64,
// f32 and f16; plus finite differences and the layout of what it returns.
#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>

#include "frontend/autograd/nn_functions.h"
#include "frontend/nn/attention.h"
#include "gradcheck.h"
#include "kernels/ops.h"

namespace nimbus {
namespace {

using autograd::Variable;
using testing::expect_gradients_match;

struct Result {
  Tensor out, gq, gk, gv;
};

// Output and gradients of sum(attention(q, k, v) * w) through `attend`.
template <typename Attend>
Result run(const Attend& attend, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& w) {
  Variable vq(q, true), vk(k, true), vv(v, true);
  const Variable out = attend(vq, vk, vv);
  autograd::sum(autograd::mul(out, Variable(w))).backward();
  return {out.data(), vq.grad(), vk.grad(), vv.grad()};
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  return amax(abs(sub(a.to(DType::f64), b.to(DType::f64)))).item<double>();
}

void expect_close(const Result& fused, const Result& composed, double tolerance, const std::string& what) {
  EXPECT_EQ(fused.out.shape(), composed.out.shape()) << what;
  EXPECT_LE(max_abs_diff(fused.out, composed.out), tolerance) << what << ": output";
  EXPECT_LE(max_abs_diff(fused.gq, composed.gq), tolerance) << what << ": grad q";
  EXPECT_LE(max_abs_diff(fused.gk, composed.gk), tolerance) << what << ": grad k";
  EXPECT_LE(max_abs_diff(fused.gv, composed.gv), tolerance) << what << ": grad v";
}

Result fused(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& w, bool causal) {
  return run([&](auto a, auto b, auto c) { return autograd::fused_attention(a, b, c, causal); }, q, k, v, w);
}
Result composed(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& w, bool causal) {
  return run([&](auto a, auto b, auto c) { return nn::composed_attention(a, b, c, causal); }, q, k, v, w);
}

TEST(FusedAttention, MatchesTheComposedOpsInFloat64) {
  struct Case {
    int64_t b, h, tq, tk, d, dv;
  };
  // Around the causal block of 64 (one block, a full and a partial second block, three blocks),
  // unequal lengths both ways, and a head size of 1.
  const Case cases[] = {{2, 3, 5, 5, 4, 4},   {1, 2, 64, 64, 8, 8},  {2, 1, 65, 65, 3, 5}, {1, 2, 130, 130, 4, 2},
                        {2, 2, 7, 11, 4, 3},  {2, 2, 11, 7, 4, 3},   {1, 1, 3, 3, 1, 1}};
  uint64_t seed = 10;
  for (const Case& c : cases) {
    const Tensor q = testing::randn_f64({c.b, c.h, c.tq, c.d}, ++seed);
    const Tensor k = testing::randn_f64({c.b, c.h, c.tk, c.d}, ++seed);
    const Tensor v = testing::randn_f64({c.b, c.h, c.tk, c.dv}, ++seed);
    const Tensor w = testing::randn_f64({c.b, c.h, c.tq, c.dv}, ++seed);
    for (bool causal : {false, true}) {
      const std::string what = "q " + shape_str(q.shape()) + ", k " + shape_str(k.shape()) + ", v " +
                               shape_str(v.shape()) + (causal ? ", causal" : "");
      expect_close(fused(q, k, v, w, causal), composed(q, k, v, w, causal), 1e-12, what);
    }
  }
}

TEST(FusedAttention, ReadsHeadsInPlaceAndReturnsMergeableLayouts) {
  // Heads split out of [B, T, H, d] by a transpose, as CausalSelfAttention does: no copy in, and the
  // output and gradients come back in [B, T, H, d] order, so merging the heads is a view.
  const int64_t b = 2, t = 70, h = 4, d = 8;
  auto heads = [&](uint64_t seed) { return testing::randn_f64({b, t, h, d}, seed).transpose(1, 2); };
  const Tensor q = heads(1), k = heads(2), v = heads(3), w = heads(4);
  const Result f = fused(q, k, v, w, true);
  expect_close(f, composed(q.contiguous(), k.contiguous(), v.contiguous(), w.contiguous(), true), 1e-12,
               "transposed heads");
  EXPECT_TRUE(f.out.transpose(1, 2).is_contiguous());
  const AttentionResult r = nimbus::scaled_dot_product_attention(q, k, v, true);
  const AttentionGrads g = scaled_dot_product_attention_backward(w, q, k, v, r.probs, true);
  EXPECT_TRUE(g.grad_q.transpose(1, 2).is_contiguous());
  EXPECT_TRUE(g.grad_k.transpose(1, 2).is_contiguous());
  EXPECT_TRUE(g.grad_v.transpose(1, 2).is_contiguous());
}

TEST(FusedAttention, MatchesInFloat32AndFloat16) {
  Generator gen(21);
  const Tensor q = randn({2, 2, 67, 16}, DType::f32, gen), k = randn({2, 2, 67, 16}, DType::f32, gen);
  const Tensor v = randn({2, 2, 67, 16}, DType::f32, gen), w = randn({2, 2, 67, 16}, DType::f32, gen);
  expect_close(fused(q, k, v, w, true), composed(q, k, v, w, true), 1e-4, "f32");
  const Result half = fused(q.to(DType::f16), k.to(DType::f16), v.to(DType::f16), w.to(DType::f16), true);
  EXPECT_EQ(half.out.dtype(), DType::f16);
  EXPECT_EQ(half.gq.dtype(), DType::f16);
  expect_close(half, composed(q, k, v, w, true), 0.05, "f16 against f32");
}

TEST(FusedAttention, FiniteDifferences) {
  const std::vector<Tensor> qkv = {testing::randn_f64({2, 3, 4}, 31), testing::randn_f64({2, 3, 4}, 32),
                                   testing::randn_f64({2, 3, 4}, 33)};
  for (bool causal : {false, true}) {
    expect_gradients_match([causal](const auto& v) { return autograd::fused_attention(v[0], v[1], v[2], causal); },
                           qkv);
    expect_gradients_match([causal](const auto& v) { return nn::composed_attention(v[0], v[1], v[2], causal); },
                           qkv);
  }
}

TEST(FusedAttention, SameBitsForAnyThreadCount) {
  const Tensor q = testing::randn_f64({3, 2, 66, 8}, 41), k = testing::randn_f64({3, 2, 66, 8}, 42);
  const Tensor v = testing::randn_f64({3, 2, 66, 8}, 43), w = testing::randn_f64({3, 2, 66, 8}, 44);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Result one = fused(q, k, v, w, true);
  omp_set_num_threads(std::max(threads, 2));
  const Result many = fused(q, k, v, w, true);
  omp_set_num_threads(threads);
  EXPECT_EQ(one.out.to_vector<double>(), many.out.to_vector<double>());
  EXPECT_EQ(one.gq.to_vector<double>(), many.gq.to_vector<double>());
  EXPECT_EQ(one.gk.to_vector<double>(), many.gk.to_vector<double>());
  EXPECT_EQ(one.gv.to_vector<double>(), many.gv.to_vector<double>());
}

TEST(FusedAttention, RejectsMismatchedOperands) {
  const Tensor q = testing::randn_f64({2, 5, 4}, 1), k = testing::randn_f64({2, 6, 3}, 2);
  try {
    nimbus::scaled_dot_product_attention(q, k, k, true);
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("q [2, 5, 4], k [2, 6, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(nimbus::scaled_dot_product_attention(q, q.to(DType::f32), q, false), DTypeError);
}

}  // namespace
}  // namespace nimbus
