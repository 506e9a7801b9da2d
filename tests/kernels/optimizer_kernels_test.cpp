// The fused Adam and SGD steps against the per-element formulas written out here (every constant
// derived from the hyper-parameters in place, Adam's bias corrections by pow for every element, as
// torch.optim does): the hoisted per-step constants must not change a bit for f32 and f64, with
// and without (decoupled) weight decay, momentum, dampening and Nesterov, at early and late steps.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/optimizer_ops.h"
#include "reference.h"

namespace nimbus {
namespace {

using testing::random_tensor;
using testing::values;

// One element of Adam in compute type C, with every constant derived from `h` in place.
template <typename C>
void ref_adam(C& p, C g, C& m, C& v, const functors::AdamHyper& h) {
  if (h.weight_decay != 0) {
    if (h.decoupled) p *= C(1 - h.lr * h.weight_decay);
    else g += C(h.weight_decay) * p;
  }
  m = C(h.beta1) * m + C(1 - h.beta1) * g;
  v = C(h.beta2) * v + C(1 - h.beta2) * g * g;
  const double bc1 = 1 - std::pow(h.beta1, double(h.step)), bc2 = 1 - std::pow(h.beta2, double(h.step));
  const C denom = std::sqrt(v) / C(std::sqrt(bc2)) + C(h.eps);
  p -= C(h.lr / bc1) * m / denom;
}

template <typename C>
void check_adam_matches_reference(DType dtype, const functors::AdamHyper& h) {
  const Shape shape{37, 29};  // not a multiple of any vector width
  const Tensor p = random_tensor(shape, dtype, 1), g = random_tensor(shape, dtype, 2);
  const Tensor m = random_tensor(shape, dtype, 3, -0.1, 0.1), v = random_tensor(shape, dtype, 4, 0.0, 0.01);
  std::vector<C> rp = p.to_vector<C>(), rg = g.to_vector<C>(), rm = m.to_vector<C>(), rv = v.to_vector<C>();
  for (size_t i = 0; i < rp.size(); ++i) ref_adam<C>(rp[i], rg[i], rm[i], rv[i], h);
  adam_step_(p, g, m, v, h);
  const std::vector<C> gp = p.to_vector<C>(), gm = m.to_vector<C>(), gv = v.to_vector<C>();
  for (size_t i = 0; i < rp.size(); ++i) {
    ASSERT_EQ(gp[i], rp[i]) << "param element " << i << " at step " << h.step;
    ASSERT_EQ(gm[i], rm[i]) << "exp_avg element " << i;
    ASSERT_EQ(gv[i], rv[i]) << "exp_avg_sq element " << i;
  }
}

std::vector<functors::AdamHyper> adam_cases() {
  std::vector<functors::AdamHyper> cases;
  for (int64_t step : {1, 2, 7, 1000}) {
    for (int mode = 0; mode < 3; ++mode) {
      functors::AdamHyper h;
      h.lr = 3e-3;
      h.step = step;
      h.weight_decay = mode == 0 ? 0.0 : 0.05;
      h.decoupled = mode == 2;
      cases.push_back(h);
    }
  }
  return cases;
}

TEST(AdamStepKernel, MatchesPerElementFormulaBitForBitF32) {
  for (const functors::AdamHyper& h : adam_cases()) check_adam_matches_reference<float>(DType::f32, h);
}

TEST(AdamStepKernel, MatchesPerElementFormulaBitForBitF64) {
  for (const functors::AdamHyper& h : adam_cases()) check_adam_matches_reference<double>(DType::f64, h);
}

TEST(AdamStepKernel, SixteenBitParametersRoundOnceFromTheF32Update) {
  functors::AdamHyper h;
  h.step = 3;
  const Shape shape{101};
  const Tensor p = random_tensor(shape, DType::bf16, 5), g = random_tensor(shape, DType::bf16, 6);
  const Tensor m = zeros(shape, {DType::bf16}), v = zeros(shape, {DType::bf16});
  std::vector<float> rp = p.to_vector<float>(), rg = g.to_vector<float>(), rm(rp.size()), rv(rp.size());
  for (size_t i = 0; i < rp.size(); ++i) ref_adam<float>(rp[i], rg[i], rm[i], rv[i], h);
  adam_step_(p, g, m, v, h);
  EXPECT_EQ(values(p), values(from_vector(std::vector<double>(rp.begin(), rp.end()), shape).to(DType::bf16)));
}

template <typename C>
void ref_sgd(C& p, C g, C& buf, const functors::SgdHyper& h) {
  if (h.weight_decay != 0) g += C(h.weight_decay) * p;
  if (h.momentum != 0) {
    buf = h.first_step ? g : C(h.momentum) * buf + C(1 - h.dampening) * g;
    g = h.nesterov ? g + C(h.momentum) * buf : buf;
  }
  p -= C(h.lr) * g;
}

template <typename C>
void check_sgd_matches_reference(DType dtype, const functors::SgdHyper& h) {
  const Shape shape{41, 23};
  const Tensor p = random_tensor(shape, dtype, 7), g = random_tensor(shape, dtype, 8);
  const Tensor buf = h.momentum != 0 ? random_tensor(shape, dtype, 9, -0.5, 0.5) : Tensor();
  std::vector<C> rp = p.to_vector<C>(), rg = g.to_vector<C>();
  std::vector<C> rb = buf.defined() ? buf.to_vector<C>() : std::vector<C>(rp.size());
  for (size_t i = 0; i < rp.size(); ++i) ref_sgd<C>(rp[i], rg[i], rb[i], h);
  sgd_step_(p, g, buf, h);
  const std::vector<C> gp = p.to_vector<C>();
  for (size_t i = 0; i < rp.size(); ++i) ASSERT_EQ(gp[i], rp[i]) << "param element " << i;
  if (buf.defined()) {
    const std::vector<C> gb = buf.to_vector<C>();
    for (size_t i = 0; i < rp.size(); ++i) ASSERT_EQ(gb[i], rb[i]) << "momentum element " << i;
  }
}

std::vector<functors::SgdHyper> sgd_cases() {
  std::vector<functors::SgdHyper> cases;
  for (double momentum : {0.0, 0.9})
    for (double dampening : {0.0, 0.1})
      for (bool nesterov : {false, true})
        for (bool first : {true, false}) {
          if (nesterov && (momentum == 0 || dampening != 0)) continue;
          functors::SgdHyper h;
          h.lr = 0.05;
          h.momentum = momentum;
          h.dampening = dampening;
          h.nesterov = nesterov;
          h.first_step = first;
          h.weight_decay = first ? 0.0 : 0.01;
          cases.push_back(h);
        }
  return cases;
}

TEST(SgdStepKernel, MatchesPerElementFormulaBitForBit) {
  for (const functors::SgdHyper& h : sgd_cases()) {
    check_sgd_matches_reference<float>(DType::f32, h);
    check_sgd_matches_reference<double>(DType::f64, h);
  }
}

}  // namespace
}  // namespace nimbus
