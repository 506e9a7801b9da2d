#pragma once
// Finite-difference gradient checks in float64: autograd's gradient of sum(f(x) * w), for fixed
// random weights w, against central differences (f(x + h e_j) - f(x - h e_j)) / 2h per element.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "frontend/autograd/functions.h"
#include "kernels/ops.h"
#include "runtime/random.h"

namespace nimbus::testing {

using autograd::Variable;
using VariableFn = std::function<Variable(const std::vector<Variable>&)>;

// A float64 tensor of standard normal values from a seeded generator.
inline Tensor randn_f64(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return randn(shape, DType::f64, gen);
}

inline double weighted_sum(const VariableFn& f, const std::vector<Tensor>& inputs, const Tensor& weights) {
  autograd::NoGradGuard no_grad;
  std::vector<Variable> vars;
  for (const Tensor& t : inputs) vars.emplace_back(t);
  return nimbus::sum(nimbus::mul(f(vars).data(), weights)).item<double>();
}

// `inputs` must be f64; every one is differentiated.
inline void expect_gradients_match(const VariableFn& f, const std::vector<Tensor>& inputs, double h = 1e-6,
                                   double tolerance = 1e-6) {
  std::vector<Variable> vars;
  for (const Tensor& t : inputs) {
    ASSERT_EQ(t.dtype(), DType::f64) << "gradient checks run in float64";
    vars.emplace_back(t.clone(), /*requires_grad=*/true);
  }
  const Variable out = f(vars);
  Generator gen(1234);
  const Tensor weights = randn(out.shape(), DType::f64, gen);
  autograd::sum(autograd::mul(out, Variable(weights))).backward();

  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_TRUE(vars[i].grad().defined()) << "input " << i << " got no gradient";
    ASSERT_EQ(vars[i].grad().shape(), inputs[i].shape()) << "input " << i;
    const std::vector<double> analytic = vars[i].grad().to_vector<double>();
    for (int64_t j = 0; j < inputs[i].numel(); ++j) {
      std::vector<Tensor> plus = inputs, minus = inputs;
      plus[i] = inputs[i].contiguous().clone();
      minus[i] = inputs[i].contiguous().clone();
      plus[i].data<double>()[j] += h;
      minus[i].data<double>()[j] -= h;
      const double numeric = (weighted_sum(f, plus, weights) - weighted_sum(f, minus, weights)) / (2 * h);
      EXPECT_NEAR(analytic[j], numeric, tolerance * std::max(1.0, std::abs(numeric)))
          << "input " << i << " element " << j;
    }
  }
}

}  // namespace nimbus::testing
