#pragma once
// The op list: every tensor op of the kernels library, declared once.
//
// Each op checks shapes and dtypes here, before dispatch, with messages that name the op and the
// shapes, computes the result dtype (Note [Type promotion] in runtime/dtype.h), allocates the
// result on the operands' device, and calls that device's kernel (kernels/dispatch.h).
// Results are new tensors; inputs are never modified unless the name ends in `_`.
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/tensor.h"

namespace nimbus {

// ---- elementwise, unary ----
// Math functions promote integer and bool inputs to the default float dtype (f32).
NIMBUS_API Tensor neg(const Tensor& x);
NIMBUS_API Tensor abs(const Tensor& x);
NIMBUS_API Tensor exp(const Tensor& x);
NIMBUS_API Tensor log(const Tensor& x);
NIMBUS_API Tensor sqrt(const Tensor& x);
NIMBUS_API Tensor rsqrt(const Tensor& x);
NIMBUS_API Tensor sin(const Tensor& x);
NIMBUS_API Tensor cos(const Tensor& x);
NIMBUS_API Tensor tanh(const Tensor& x);
NIMBUS_API Tensor sigmoid(const Tensor& x);
NIMBUS_API Tensor relu(const Tensor& x);
enum class GeluApproximation { none, tanh };  // exact (erf) form, or the tanh approximation
NIMBUS_API Tensor gelu(const Tensor& x, GeluApproximation approximation = GeluApproximation::none);
NIMBUS_API Tensor silu(const Tensor& x);
NIMBUS_API Tensor erf(const Tensor& x);
// Limits to [min, max]; either bound may be absent. Keeps the input dtype.
NIMBUS_API Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max);
NIMBUS_API Tensor logical_not(const Tensor& x);  // -> bool

// ---- elementwise, binary (NumPy broadcasting, any strides) ----
NIMBUS_API Tensor add(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor sub(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor mul(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor div(const Tensor& a, const Tensor& b);  // true division: integers give f32
NIMBUS_API Tensor pow(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor maximum(const Tensor& a, const Tensor& b);  // NaN propagates
NIMBUS_API Tensor minimum(const Tensor& a, const Tensor& b);
// Comparisons compute in the promoted dtype and return bool.
NIMBUS_API Tensor eq(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor ne(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor lt(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor le(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor gt(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor ge(const Tensor& a, const Tensor& b);
// Logical ops treat non-zero as true and return bool.
NIMBUS_API Tensor logical_and(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor logical_or(const Tensor& a, const Tensor& b);
NIMBUS_API Tensor logical_xor(const Tensor& a, const Tensor& b);
// Tensor-scalar forms: the scalar takes part in promotion as a Scalar does.
NIMBUS_API Tensor add(const Tensor& a, Scalar b);
NIMBUS_API Tensor sub(const Tensor& a, Scalar b);
NIMBUS_API Tensor mul(const Tensor& a, Scalar b);
NIMBUS_API Tensor div(const Tensor& a, Scalar b);
NIMBUS_API Tensor pow(const Tensor& a, Scalar b);
// The same elementwise result written into an existing tensor (`out` must have the broadcast shape).
NIMBUS_API void add_out(const Tensor& out, const Tensor& a, const Tensor& b);

// ---- activation backward: grad * f'(saved) in one pass ----
// `saved` is what the forward kept, with grad's (broadcastable) shape; integer operands of the
// float-only ones promote to f32. relu_backward takes the input or the output (grad where
// saved > 0, else 0); sigmoid_ and tanh_backward the output; silu_ and gelu_backward the input.
NIMBUS_API Tensor relu_backward(const Tensor& grad, const Tensor& saved);
NIMBUS_API Tensor sigmoid_backward(const Tensor& grad, const Tensor& output);
NIMBUS_API Tensor tanh_backward(const Tensor& grad, const Tensor& output);
NIMBUS_API Tensor silu_backward(const Tensor& grad, const Tensor& input);
NIMBUS_API Tensor gelu_backward(const Tensor& grad, const Tensor& input,
                                GeluApproximation approximation = GeluApproximation::none);

// ---- selection ----
// cond ? a : b, broadcasting all three; a and b promote together.
NIMBUS_API Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// ---- reductions ----
// `dims` empty means all dims. Sums of integers and bools give i64.
NIMBUS_API Tensor sum(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
NIMBUS_API Tensor mean(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
NIMBUS_API Tensor amax(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
NIMBUS_API Tensor amin(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
// Variance with Bessel's correction by default (correction = 1), as PyTorch.
NIMBUS_API Tensor var(const Tensor& x, const std::vector<int64_t>& dims = {}, int64_t correction = 1,
                      bool keepdim = false);
NIMBUS_API Tensor std(const Tensor& x, const std::vector<int64_t>& dims = {}, int64_t correction = 1,
                      bool keepdim = false);
// p-norm; p = infinity gives the largest magnitude.
NIMBUS_API Tensor norm(const Tensor& x, double p = 2.0, const std::vector<int64_t>& dims = {},
                       bool keepdim = false);
// Index of the first maximum (minimum) along `dim`, or of the flattened tensor when dim is absent.
NIMBUS_API Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
NIMBUS_API Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
NIMBUS_API Tensor cumsum(const Tensor& x, int64_t dim);

// ---- linear algebra ----
// NumPy matmul semantics: 1-d operands are promoted and the added dim removed; batch dims
// broadcast. Floating dtypes only.
NIMBUS_API Tensor matmul(const Tensor& a, const Tensor& b);
// x @ weight^T + bias, with weight [out_features, in_features] as in PyTorch.
NIMBUS_API Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// ---- indexing and shaping ----
NIMBUS_API Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
NIMBUS_API Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// x with src added at `index` along `dim` (out of place).
NIMBUS_API Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
NIMBUS_API Tensor masked_select(const Tensor& x, const Tensor& mask);  // 1-d result
NIMBUS_API Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
NIMBUS_API Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Views of consecutive pieces of `split_size` along dim (the last may be smaller).
NIMBUS_API std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
NIMBUS_API Tensor one_hot(const Tensor& index, int64_t num_classes = -1);  // -> i64

// ---- operators ----
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, Scalar b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, Scalar b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, Scalar b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, Scalar b) { return div(a, b); }

}  // namespace nimbus
