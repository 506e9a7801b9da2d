#pragma once
// Differentiable ops on Variables. Each computes its result with the kernels library, and when
// gradients are needed records a Node whose backward maps the output's gradient to the inputs'
// (Note [Autograd tape]). Broadcasting and type promotion follow the tensor ops; gradients come
// back in each input's shape and dtype.
#include <optional>
#include <vector>

#include "frontend/autograd/variable.h"

namespace nimbus::autograd {

NIMBUS_API Variable add(const Variable& a, const Variable& b);
NIMBUS_API Variable sub(const Variable& a, const Variable& b);
NIMBUS_API Variable mul(const Variable& a, const Variable& b);
NIMBUS_API Variable div(const Variable& a, const Variable& b);
NIMBUS_API Variable add(const Variable& a, Scalar b);
NIMBUS_API Variable mul(const Variable& a, Scalar b);
NIMBUS_API Variable neg(const Variable& x);
NIMBUS_API Variable exp(const Variable& x);
NIMBUS_API Variable log(const Variable& x);
NIMBUS_API Variable sqrt(const Variable& x);
NIMBUS_API Variable tanh(const Variable& x);
NIMBUS_API Variable sigmoid(const Variable& x);
NIMBUS_API Variable relu(const Variable& x);
NIMBUS_API Variable pow(const Variable& x, double exponent);
NIMBUS_API Variable abs(const Variable& x);  // gradient 0 at 0, as PyTorch
NIMBUS_API Variable sin(const Variable& x);
NIMBUS_API Variable cos(const Variable& x);
NIMBUS_API Variable rsqrt(const Variable& x);
NIMBUS_API Variable silu(const Variable& x);
// Limits to [min, max] (either may be absent); the gradient passes where the value was not limited.
NIMBUS_API Variable clamp(const Variable& x, std::optional<Scalar> min, std::optional<Scalar> max);
// Elementwise larger (smaller) value; a tie sends half the gradient to each side, as PyTorch.
NIMBUS_API Variable maximum(const Variable& a, const Variable& b);
NIMBUS_API Variable minimum(const Variable& a, const Variable& b);
// cond ? a : b; the gradient goes to the side that was chosen.
NIMBUS_API Variable where(const Tensor& cond, const Variable& a, const Variable& b);
// Exact GELU, x * Phi(x) with the normal CDF Phi.
NIMBUS_API Variable gelu(const Variable& x);
// GELU, tanh approximation (as GPT-2), composed from the ops above.
NIMBUS_API Variable gelu_tanh(const Variable& x);
// Adds a constant tensor (no gradient flows to it), e.g. an attention mask of 0 and -inf.
NIMBUS_API Variable add_constant(const Variable& x, const Tensor& constant);

NIMBUS_API Variable matmul(const Variable& a, const Variable& b);
// x @ weight^T + bias, weight [out_features, in_features]; bias may be undefined.
NIMBUS_API Variable linear(const Variable& x, const Variable& weight, const Variable& bias = Variable());

NIMBUS_API Variable sum(const Variable& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
NIMBUS_API Variable mean(const Variable& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);

// The same values in `dtype`; the gradient comes back converted to x's dtype (a cast of an f32
// parameter to f16 receives its gradient in f16 and hands it on as f32, as mixed-precision
// training needs). Casting to x's own dtype returns x itself.
NIMBUS_API Variable to(const Variable& x, DType dtype);

NIMBUS_API Variable reshape(const Variable& x, const Shape& shape);
NIMBUS_API Variable transpose(const Variable& x, int64_t d0, int64_t d1);

inline Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
inline Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
inline Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
inline Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
inline Variable operator-(const Variable& x) { return neg(x); }
inline Variable operator+(const Variable& a, Scalar b) { return add(a, b); }
inline Variable operator*(const Variable& a, Scalar b) { return mul(a, b); }

}  // namespace nimbus::autograd
