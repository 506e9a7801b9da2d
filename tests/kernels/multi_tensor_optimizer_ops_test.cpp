// The multi-tensor optimizer ops on the CPU (Note [Multi-tensor optimizer steps]): the same bits as
// one per-tensor step per parameter, for mixed sizes and dtypes over several steps; the operand
// checks name the parameter; the CUDA switch is off by default and can be flipped.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/kernel_switch.h"
#include "kernels/multi_tensor_optimizer_ops.h"
#include "kernels/optimizer_ops.h"
#include "reference.h"

namespace nimbus {
namespace {

using testing::random_tensor;
using testing::values;

// Odd sizes (one element, a chunk and one, several chunks) and an empty one, in several dtypes.
struct Parameters {
  std::vector<Tensor> params, grads, first, second;  // first, second: optimizer state
};

Parameters make_parameters(uint32_t seed) {
  const std::vector<Shape> shapes = {{1}, {3}, {0}, {10, 100}, {65537}, {7, 11}, {300}};
  const std::vector<DType> dtypes = {DType::f32, DType::f64, DType::bf16, DType::f16};
  Parameters out;
  for (size_t i = 0; i < shapes.size() * 2; ++i) {
    const Shape& shape = shapes[i % shapes.size()];
    const DType dt = dtypes[i % dtypes.size()];
    out.params.push_back(random_tensor(shape, dt, seed + 4 * static_cast<uint32_t>(i)));
    out.grads.push_back(random_tensor(shape, dt, seed + 4 * static_cast<uint32_t>(i) + 1));
    out.first.push_back(random_tensor(shape, dt, seed + 4 * static_cast<uint32_t>(i) + 2, -0.1, 0.1));
    out.second.push_back(random_tensor(shape, dt, seed + 4 * static_cast<uint32_t>(i) + 3, 0.0, 0.01));
  }
  return out;
}

std::vector<Tensor> clones(const std::vector<Tensor>& ts) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(t.clone());
  return out;
}

void expect_identical(const std::vector<Tensor>& expected, const std::vector<Tensor>& actual, const std::string& what) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(expected[i].dtype(), actual[i].dtype());
    EXPECT_EQ(values(expected[i]), values(actual[i])) << what << " of parameter " << i;
  }
}

TEST(AdamStepMany, MatchesOnePerTensorStepPerParameterBitForBit) {
  for (int mode = 0; mode < 3; ++mode) {
    const Parameters start = make_parameters(100);
    std::vector<Tensor> p1 = clones(start.params), m1 = clones(start.first), v1 = clones(start.second);
    std::vector<Tensor> p2 = clones(start.params), m2 = clones(start.first), v2 = clones(start.second);
    functors::AdamHyper h;
    h.lr = 3e-3;
    h.weight_decay = mode == 0 ? 0.0 : 0.05;
    h.decoupled = mode == 2;
    for (int64_t step = 1; step <= 3; ++step) {
      h.step = step;
      for (size_t i = 0; i < p1.size(); ++i) adam_step_(p1[i], start.grads[i], m1[i], v1[i], h);
      adam_step_many_(p2, start.grads, m2, v2, h);
    }
    const std::string what = "adam mode " + std::to_string(mode);
    expect_identical(p1, p2, what + " param");
    expect_identical(m1, m2, what + " exp_avg");
    expect_identical(v1, v2, what + " exp_avg_sq");
  }
}

TEST(SgdStepMany, MatchesOnePerTensorStepPerParameterBitForBit) {
  for (const double momentum : {0.0, 0.9})
    for (const bool nesterov : {false, true}) {
      if (nesterov && momentum == 0) continue;
      const Parameters start = make_parameters(200);
      std::vector<Tensor> p1 = clones(start.params), b1 = clones(start.first);
      std::vector<Tensor> p2 = clones(start.params), b2 = clones(start.first);
      functors::SgdHyper h;
      h.lr = 0.05;
      h.momentum = momentum;
      h.nesterov = nesterov;
      h.weight_decay = 0.01;
      for (int step = 0; step < 3; ++step) {
        h.first_step = step == 0;
        for (size_t i = 0; i < p1.size(); ++i) sgd_step_(p1[i], start.grads[i], momentum != 0 ? b1[i] : Tensor(), h);
        sgd_step_many_(p2, start.grads, momentum != 0 ? b2 : std::vector<Tensor>(), h);
      }
      std::string what = "sgd momentum ";
      what.append(std::to_string(momentum)).append(nesterov ? " nesterov" : "");
      expect_identical(p1, p2, what + " param");
      if (momentum != 0) expect_identical(b1, b2, what + " buffer");
    }
}

TEST(SgdStepMany, EmptyListIsANoOp) {
  functors::SgdHyper h;
  EXPECT_NO_THROW(sgd_step_many_({}, {}, {}, h));
  functors::AdamHyper a;
  EXPECT_NO_THROW(adam_step_many_({}, {}, {}, {}, a));
}

TEST(SgdStepMany, OverlappingParametersAreUpdatedOneAfterTheOther) {
  // Two views of one storage: the per-tensor path's order is kept (the second update sees the first).
  const Tensor storage = random_tensor({8}, DType::f32, 300), expected_storage = storage.clone();
  const Tensor grad = random_tensor({6}, DType::f32, 301);
  functors::SgdHyper h;
  h.lr = 0.5;
  sgd_step_(expected_storage.slice(0, 0, 6), grad, Tensor(), h);
  sgd_step_(expected_storage.slice(0, 2, 8), grad, Tensor(), h);
  sgd_step_many_({storage.slice(0, 0, 6), storage.slice(0, 2, 8)}, {grad, grad}, {}, h);
  EXPECT_EQ(values(storage), values(expected_storage));
}

TEST(AdamStepMany, BumpsEveryParametersVersion) {
  const Parameters ps = make_parameters(400);
  std::vector<uint64_t> before;
  for (const Tensor& p : ps.params) before.push_back(p.buffer().version());
  functors::AdamHyper h;
  adam_step_many_(ps.params, ps.grads, ps.first, ps.second, h);
  for (size_t i = 0; i < ps.params.size(); ++i) EXPECT_GT(ps.params[i].buffer().version(), before[i]) << i;
}

TEST(AdamStepMany, ChecksNameTheParameter) {
  const Tensor p = zeros({4}, {DType::f32}), g = zeros({4}, {DType::f32}), m = zeros({4}, {DType::f32});
  const Tensor wrong_shape = zeros({5}, {DType::f32}), wrong_dtype = zeros({4}, {DType::f64});
  functors::AdamHyper h;
  EXPECT_THROW(adam_step_many_({p, p}, {g}, {m, m}, {m, m}, h), Error);
  try {
    adam_step_many_({p.clone(), p.clone()}, {g, wrong_shape}, {m.clone(), m.clone()}, {m.clone(), m.clone()}, h);
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("parameter 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(adam_step_many_({p}, {g}, {wrong_dtype}, {m}, h), DTypeError);
  const Tensor ints = zeros({4}, {DType::i64});
  EXPECT_THROW(adam_step_many_({ints}, {ints}, {ints}, {ints}, h), DTypeError);
  h.step = 0;
  EXPECT_THROW(adam_step_many_({p}, {g}, {m}, {m.clone()}, h), Error);
  functors::SgdHyper s;
  s.momentum = 0.9;
  EXPECT_THROW(sgd_step_many_({p}, {g}, {}, s), Error);
  EXPECT_THROW(sgd_step_many_({p}, {g}, {Tensor()}, s), Error);
}

TEST(MultiTensorOptimizerSwitch, OffByDefaultAndSettable) {
  const char* env = std::getenv("NIMBUS_CUDA_MULTI_TENSOR_OPTIMIZER");
  const bool was = multi_tensor_optimizer_switch().enabled();
  // Read once, at first use: on only when the variable is 1.
  EXPECT_EQ(was, env != nullptr && env[0] == '1');
  multi_tensor_optimizer_switch().set(true);
  EXPECT_TRUE(multi_tensor_optimizer_switch().enabled());
  multi_tensor_optimizer_switch().set(false);
  EXPECT_FALSE(multi_tensor_optimizer_switch().enabled());
  multi_tensor_optimizer_switch().set(was);
}

TEST(MultiTensorOptimizerGroups, GroupsByDeviceAndDtypeInFirstSeenOrder) {
  const Tensor a = zeros({1}, {DType::f32}), b = zeros({1}, {DType::bf16}), c = zeros({1}, {DType::f64});
  const auto groups = group_by_device_and_dtype({a, b, a, c, b, a});
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0], (std::vector<size_t>{0, 2, 5}));
  EXPECT_EQ(groups[1], (std::vector<size_t>{1, 4}));
  EXPECT_EQ(groups[2], (std::vector<size_t>{3}));
  EXPECT_TRUE(group_by_device_and_dtype({}).empty());
}

}  // namespace
}  // namespace nimbus
