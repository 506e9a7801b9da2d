// The multi-tensor optimizer steps on cuda:0 (switch on) against the per-tensor kernels on cuda:0,
// bit for bit (Note [Multi-tensor optimizer steps] in kernels/multi_tensor_chunks.h): many
// tensors of odd sizes, an empty one, more tensors than one launch names and a tensor longer than
// one launch's chunks, so that tensors continue across launches; every dtype; three steps, so the
// moments and momentum buffers matter. Skipped without a CUDA device.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpu/parity_harness.h"
#if NIMBUS_TEST_MODELS
#include "frontend/optim/optimizer.h"
#endif
#include "kernels/multi_tensor_chunks.h"
#include "kernels/kernel_switch.h"
#include "kernels/multi_tensor_optimizer_ops.h"
#include "kernels/optimizer_ops.h"

namespace nimbus::gpu_parity {
namespace {

std::vector<int64_t> sizes() {
  std::vector<int64_t> s = {1, 3, 1000, 65537, 300000, 0, 65536, 7, 131073, 2};
  for (int i = 0; i < 60; ++i) s.push_back(1 + 37 * i % 513);  // more tensors than one launch names
  s.push_back(MultiTensorLaunch<4>::kMaxChunks * kMultiTensorChunkElements + 5);  // spans two launches
  s.push_back(5);
  return s;
}

// Random tensors of `sizes` on the GPU; `positive` for second moments.
std::vector<Tensor> random_on_gpu(const std::vector<int64_t>& numels, DType dt, Generator& gen, Dist dist) {
  std::vector<Tensor> out;
  for (int64_t n : numels) out.push_back(random_tensor({n}, dt, dist, gen).to(gpu()));
  return out;
}

std::vector<Tensor> clones(const std::vector<Tensor>& ts) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(t.clone());
  return out;
}

// Exact equality of every element (compared as doubles, which hold every value of every dtype).
void expect_identical(const std::vector<Tensor>& per_tensor, const std::vector<Tensor>& multi,
                      const std::string& what) {
  ASSERT_EQ(per_tensor.size(), multi.size());
  for (size_t i = 0; i < per_tensor.size(); ++i) {
    const std::vector<double> a = per_tensor[i].to(Device::cpu()).to_vector<double>();
    const std::vector<double> b = multi[i].to(Device::cpu()).to_vector<double>();
    ASSERT_EQ(a.size(), b.size());
    int64_t differ = 0, first = -1;
    for (size_t e = 0; e < a.size(); ++e)
      if (!(a[e] == b[e] || (a[e] != a[e] && b[e] != b[e]))) {
        if (first < 0) first = static_cast<int64_t>(e);
        ++differ;
      }
    EXPECT_EQ(differ, 0) << what << " tensor " << i << " (" << a.size() << " elements): first difference at "
                         << first << ", per-tensor " << (first >= 0 ? a[static_cast<size_t>(first)] : 0.0)
                         << ", multi-tensor " << (first >= 0 ? b[static_cast<size_t>(first)] : 0.0);
  }
}

class MultiTensorOptimizerParity : public ::testing::TestWithParam<DType> {};

TEST_P(MultiTensorOptimizerParity, AdamMatchesPerTensorKernelsExactly) {
  NIMBUS_REQUIRE_GPU();
  const DType dt = GetParam();
  for (int mode = 0; mode < 3; ++mode) {
    Generator gen(31 + static_cast<uint64_t>(mode));
    const std::vector<int64_t> numels = sizes();
    const std::vector<Tensor> p0 = random_on_gpu(numels, dt, gen, Dist::normal);
    std::vector<std::vector<Tensor>> grads;
    for (int s = 0; s < 3; ++s) grads.push_back(random_on_gpu(numels, dt, gen, Dist::normal));
    functors::AdamHyper h;
    h.lr = 1e-2;
    h.weight_decay = mode == 0 ? 0.0 : 1e-2;
    h.decoupled = mode == 2;
    std::vector<Tensor> p1 = clones(p0), m1, v1, p2 = clones(p0), m2, v2;
    for (const Tensor& p : p0) {
      m1.push_back(zeros_like(p));
      v1.push_back(zeros_like(p));
      m2.push_back(zeros_like(p));
      v2.push_back(zeros_like(p));
    }
    for (int s = 0; s < 3; ++s) {
      h.step = s + 1;
      const std::vector<Tensor>& g = grads[static_cast<size_t>(s)];
      for (size_t i = 0; i < p1.size(); ++i) adam_step_(p1[i], g[i], m1[i], v1[i], h);
      const ScopedKernelSwitch on(multi_tensor_optimizer_switch(), true);
      adam_step_many_(p2, g, m2, v2, h);
    }
    std::string what = mode == 2 ? "adamw" : "adam";
    what.append(" decay ").append(std::to_string(h.weight_decay)).append(" ").append(dtype_name(dt));
    expect_identical(p1, p2, what + " param");
    expect_identical(m1, m2, what + " exp_avg");
    expect_identical(v1, v2, what + " exp_avg_sq");
  }
}

TEST_P(MultiTensorOptimizerParity, SgdMatchesPerTensorKernelsExactly) {
  NIMBUS_REQUIRE_GPU();
  const DType dt = GetParam();
  struct Setting {
    double momentum, dampening, decay;
    bool nesterov;
  };
  for (const Setting& c : std::vector<Setting>{{0, 0, 0, false}, {0, 0, 1e-2, false}, {0.9, 0.1, 1e-2, false},
                                               {0.9, 0, 0, true}}) {
    Generator gen(41);
    const std::vector<int64_t> numels = sizes();
    const std::vector<Tensor> p0 = random_on_gpu(numels, dt, gen, Dist::normal);
    std::vector<std::vector<Tensor>> grads;
    for (int s = 0; s < 3; ++s) grads.push_back(random_on_gpu(numels, dt, gen, Dist::normal));
    functors::SgdHyper h;
    h.lr = 0.1;
    h.momentum = c.momentum;
    h.dampening = c.dampening;
    h.weight_decay = c.decay;
    h.nesterov = c.nesterov;
    std::vector<Tensor> p1 = clones(p0), b1, p2 = clones(p0), b2;
    for (const Tensor& p : p0) {
      b1.push_back(zeros_like(p));
      b2.push_back(zeros_like(p));
    }
    const bool momentum = c.momentum != 0;
    for (int s = 0; s < 3; ++s) {
      h.first_step = s == 0;
      const std::vector<Tensor>& g = grads[static_cast<size_t>(s)];
      for (size_t i = 0; i < p1.size(); ++i) sgd_step_(p1[i], g[i], momentum ? b1[i] : Tensor(), h);
      const ScopedKernelSwitch on(multi_tensor_optimizer_switch(), true);
      sgd_step_many_(p2, g, momentum ? b2 : std::vector<Tensor>(), h);
    }
    std::string what = "sgd momentum ";
    what.append(std::to_string(c.momentum)).append(c.nesterov ? " nesterov " : " ").append(dtype_name(dt));
    expect_identical(p1, p2, what + " param");
    if (momentum) expect_identical(b1, b2, what + " buffer");
  }
}

INSTANTIATE_TEST_SUITE_P(Cuda, MultiTensorOptimizerParity,
                         ::testing::Values(DType::f32, DType::f64, DType::f16, DType::bf16),
                         [](const ::testing::TestParamInfo<DType>& info) {
                           return std::string(dtype_name(info.param));
                         });

// Parameters of every dtype in one call: one launch sequence per dtype, each as exact as alone.
TEST(MultiTensorOptimizerParityMixed, MixedDtypesInOneCallMatchPerTensorKernels) {
  NIMBUS_REQUIRE_GPU();
  Generator gen(51);
  const std::vector<DType> dtypes = {DType::f32, DType::bf16, DType::f64, DType::f16};
  std::vector<Tensor> p1, g, m1, v1;
  for (size_t i = 0; i < 24; ++i) {
    const int64_t n = static_cast<int64_t>(1 + (i * 7919) % 70000);
    const DType dt = dtypes[i % dtypes.size()];
    p1.push_back(random_tensor({n}, dt, Dist::normal, gen).to(gpu()));
    g.push_back(random_tensor({n}, dt, Dist::normal, gen).to(gpu()));
    m1.push_back(zeros_like(p1.back()));
    v1.push_back(zeros_like(p1.back()));
  }
  std::vector<Tensor> p2 = clones(p1), m2 = clones(m1), v2 = clones(v1);
  functors::AdamHyper h;
  h.weight_decay = 1e-2;
  h.decoupled = true;
  for (size_t i = 0; i < p1.size(); ++i) adam_step_(p1[i], g[i], m1[i], v1[i], h);
  {
    const ScopedKernelSwitch on(multi_tensor_optimizer_switch(), true);
    adam_step_many_(p2, g, m2, v2, h);
  }
  expect_identical(p1, p2, "mixed adamw param");
  expect_identical(m1, m2, "mixed adamw exp_avg");
  expect_identical(v1, v2, "mixed adamw exp_avg_sq");
}

#if NIMBUS_TEST_MODELS
// Through the optimizers: the same parameters and gradients on cuda:0, stepped with the switch off
// (one kernel per parameter) and on (Optimizer::step's one multi-tensor call), end bit for bit alike.
std::vector<autograd::Variable> gpu_parameters(uint64_t seed) {
  Generator gen(seed);
  std::vector<autograd::Variable> params;
  for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{1000}, int64_t{65537}, int64_t{300000}, int64_t{7}}) {
    autograd::Variable p(random_tensor({n}, DType::f32, Dist::normal, gen).to(gpu()), true);
    p.set_grad(random_tensor({n}, DType::f32, Dist::normal, gen).to(gpu()));
    params.push_back(p);
  }
  return params;
}

void expect_same_parameters(const std::vector<autograd::Variable>& a, const std::vector<autograd::Variable>& b,
                            const std::string& what) {
  std::vector<Tensor> ta, tb;
  for (const autograd::Variable& v : a) ta.push_back(v.data());
  for (const autograd::Variable& v : b) tb.push_back(v.data());
  expect_identical(ta, tb, what);
}

TEST(MultiTensorOptimizerParityOptimizers, AdamWAndSgdStepsMatchWithTheSwitchOnAndOff) {
  NIMBUS_REQUIRE_GPU();
  const std::vector<autograd::Variable> off_adamw = gpu_parameters(61), on_adamw = gpu_parameters(61);
  const std::vector<autograd::Variable> off_sgd = gpu_parameters(62), on_sgd = gpu_parameters(62);
  optim::Adam adamw_off(off_adamw, optim::adamw_options(1e-2, 1e-2));
  optim::Adam adamw_on(on_adamw, optim::adamw_options(1e-2, 1e-2));
  optim::SgdOptions sgd_options;
  sgd_options.lr = 0.1;
  sgd_options.momentum = 0.9;
  sgd_options.weight_decay = 1e-3;
  optim::SGD sgd_off(off_sgd, sgd_options), sgd_on(on_sgd, sgd_options);
  for (int s = 0; s < 3; ++s) {
    {
      const ScopedKernelSwitch off(multi_tensor_optimizer_switch(), false);
      adamw_off.step();
      sgd_off.step();
    }
    const ScopedKernelSwitch on(multi_tensor_optimizer_switch(), true);
    adamw_on.step();
    sgd_on.step();
  }
  expect_same_parameters(off_adamw, on_adamw, "optim::Adam (AdamW) params");
  expect_same_parameters(off_sgd, on_sgd, "optim::SGD params");
}
#endif

}  // namespace
}  // namespace nimbus::gpu_parity
