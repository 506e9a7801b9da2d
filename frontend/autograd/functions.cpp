// Differentiable ops: forward through kernels/ops.h, backward as closures over saved tensors.
#include "frontend/autograd/functions.h"
#include "frontend/autograd/record.h"

#include <algorithm>

#include "kernels/ops.h"

namespace nimbus::autograd {

using detail::record;

namespace {
// The gradient for an input of `shape` and `dtype` from one of the broadcast result's shape.
Tensor reduce_grad(const Tensor& grad, const Variable& input) {
  return sum_to(grad, input.shape()).to(input.dtype());
}

Variable scalar_variable(const Variable& like, Scalar s) {
  return Variable(scalar_tensor(s, {promote_with_scalar(like.dtype(), s.is_floating()), like.device()}));
}

}  // namespace

Variable add(const Variable& a, const Variable& b) {
  return record("add", nimbus::add(a.data(), b.data()), {a, b}, [a, b] {
    return [a, b](const Tensor& g) { return std::vector<Tensor>{reduce_grad(g, a), reduce_grad(g, b)}; };
  });
}

Variable sub(const Variable& a, const Variable& b) {
  return record("sub", nimbus::sub(a.data(), b.data()), {a, b}, [a, b] {
    return [a, b](const Tensor& g) { return std::vector<Tensor>{reduce_grad(g, a), reduce_grad(nimbus::neg(g), b)}; };
  });
}

Variable mul(const Variable& a, const Variable& b) {
  return record("mul", nimbus::mul(a.data(), b.data()), {a, b}, [a, b] {
    SavedTensor sa(a.data()), sb(b.data());
    return [a, b, sa, sb](const Tensor& g) {
      return std::vector<Tensor>{reduce_grad(nimbus::mul(g, sb.get("mul")), a),
                                 reduce_grad(nimbus::mul(g, sa.get("mul")), b)};
    };
  });
}

Variable div(const Variable& a, const Variable& b) {
  return record("div", nimbus::div(a.data(), b.data()), {a, b}, [a, b] {
    SavedTensor sa(a.data()), sb(b.data());
    return [a, b, sa, sb](const Tensor& g) {
      const Tensor& bv = sb.get("div");
      const Tensor ga = nimbus::div(g, bv);
      const Tensor gb = nimbus::neg(nimbus::div(nimbus::mul(ga, sa.get("div")), bv));  // -g a / b^2
      return std::vector<Tensor>{reduce_grad(ga, a), reduce_grad(gb, b)};
    };
  });
}

Variable add(const Variable& a, Scalar b) { return add(a, scalar_variable(a, b)); }
Variable mul(const Variable& a, Scalar b) { return mul(a, scalar_variable(a, b)); }

Variable neg(const Variable& x) {
  return record("neg", nimbus::neg(x.data()), {x}, [] {
    return [](const Tensor& g) { return std::vector<Tensor>{nimbus::neg(g)}; };
  });
}

Variable exp(const Variable& x) {
  Tensor out = nimbus::exp(x.data());
  return record("exp", out, {x}, [x, out] {
    SavedTensor so(out);
    return [x, so](const Tensor& g) { return std::vector<Tensor>{nimbus::mul(g, so.get("exp")).to(x.dtype())}; };
  });
}

Variable log(const Variable& x) {
  return record("log", nimbus::log(x.data()), {x}, [x] {
    SavedTensor sx(x.data());
    return [x, sx](const Tensor& g) { return std::vector<Tensor>{nimbus::div(g, sx.get("log")).to(x.dtype())}; };
  });
}

Variable sqrt(const Variable& x) {
  Tensor out = nimbus::sqrt(x.data());
  return record("sqrt", out, {x}, [x, out] {
    SavedTensor so(out);
    return [x, so](const Tensor& g) {
      return std::vector<Tensor>{nimbus::div(g, nimbus::mul(so.get("sqrt"), 2)).to(x.dtype())};
    };
  });
}

Variable tanh(const Variable& x) {
  Tensor out = nimbus::tanh(x.data());
  return record("tanh", out, {x}, [x, out] {
    SavedTensor so(out);
    return [x, so](const Tensor& g) {
      return std::vector<Tensor>{nimbus::tanh_backward(g, so.get("tanh")).to(x.dtype())};
    };
  });
}

Variable sigmoid(const Variable& x) {
  Tensor out = nimbus::sigmoid(x.data());
  return record("sigmoid", out, {x}, [x, out] {
    SavedTensor so(out);
    return [x, so](const Tensor& g) {
      return std::vector<Tensor>{nimbus::sigmoid_backward(g, so.get("sigmoid")).to(x.dtype())};
    };
  });
}

Variable relu(const Variable& x) {
  return record("relu", nimbus::relu(x.data()), {x}, [x] {
    SavedTensor sx(x.data());
    return [sx](const Tensor& g) { return std::vector<Tensor>{nimbus::relu_backward(g, sx.get("relu"))}; };
  });
}

Variable pow(const Variable& x, double exponent) {
  return record("pow", nimbus::pow(x.data(), exponent), {x}, [x, exponent] {
    SavedTensor sx(x.data());
    return [x, sx, exponent](const Tensor& g) {
      const Tensor d = nimbus::mul(nimbus::pow(sx.get("pow"), exponent - 1), exponent);
      return std::vector<Tensor>{nimbus::mul(g, d).to(x.dtype())};
    };
  });
}

namespace {
// A unary op whose backward is one fused kernel `backward(grad, x)` over the saved input.
template <typename Backward>
Variable unary_with_backward(const char* name, Tensor out, const Variable& x, Backward backward) {
  return record(name, std::move(out), {x}, [&] {
    SavedTensor sx(x.data());
    return [x, sx, backward, name](const Tensor& g) {
      return std::vector<Tensor>{backward(g, sx.get(name)).to(x.dtype())};
    };
  });
}

// grad * f'(x) for a unary op whose derivative `derivative(x)` is built from tensor ops.
template <typename Derivative>
Variable unary_with_derivative(const char* name, Tensor out, const Variable& x, Derivative derivative) {
  return record(name, std::move(out), {x}, [&] {
    SavedTensor sx(x.data());
    return [x, sx, derivative, name](const Tensor& g) {
      return std::vector<Tensor>{nimbus::mul(g, derivative(sx.get(name))).to(x.dtype())};
    };
  });
}
}  // namespace

Variable abs(const Variable& x) {
  return unary_with_derivative("abs", nimbus::abs(x.data()), x, [](const Tensor& v) {
    const Tensor zero = zeros({}, {v.dtype(), v.device()});
    return nimbus::sub(nimbus::gt(v, zero).to(v.dtype()), nimbus::lt(v, zero).to(v.dtype()));  // sign(v)
  });
}

Variable sin(const Variable& x) {
  return unary_with_derivative("sin", nimbus::sin(x.data()), x, [](const Tensor& v) { return nimbus::cos(v); });
}

Variable cos(const Variable& x) {
  return unary_with_derivative("cos", nimbus::cos(x.data()), x,
                               [](const Tensor& v) { return nimbus::neg(nimbus::sin(v)); });
}

Variable rsqrt(const Variable& x) {
  // d/dx x^-1/2 = -1/2 x^-3/2
  return unary_with_derivative("rsqrt", nimbus::rsqrt(x.data()), x,
                               [](const Tensor& v) { return nimbus::mul(nimbus::pow(v, -1.5), -0.5); });
}

Variable silu(const Variable& x) {
  // d/dx x s(x) = s(x) (1 + x (1 - s(x))), one pass (kernels/functors/activation.h).
  return unary_with_backward("silu", nimbus::silu(x.data()), x,
                             [](const Tensor& g, const Tensor& v) { return nimbus::silu_backward(g, v); });
}

Variable clamp(const Variable& x, std::optional<Scalar> min, std::optional<Scalar> max) {
  return unary_with_derivative("clamp", nimbus::clamp(x.data(), min, max), x, [min, max](const Tensor& v) {
    Tensor inside = ones_like(v).to(DType::boolean);
    if (min) inside = logical_and(inside, nimbus::ge(v, scalar_tensor(*min, {v.dtype(), v.device()})));
    if (max) inside = logical_and(inside, nimbus::le(v, scalar_tensor(*max, {v.dtype(), v.device()})));
    return inside.to(v.dtype());
  });
}

namespace {
// Gradient shares of a and b for maximum (is_max) or minimum: 1 to the chosen side, 1/2 each on ties.
Variable extremum(const char* name, bool is_max, const Variable& a, const Variable& b) {
  Tensor out = is_max ? nimbus::maximum(a.data(), b.data()) : nimbus::minimum(a.data(), b.data());
  return record(name, out, {a, b}, [&] {
    SavedTensor sa(a.data()), sb(b.data());
    return [a, b, sa, sb, is_max, name](const Tensor& g) {
      const Tensor& av = sa.get(name);
      const Tensor& bv = sb.get(name);
      const Tensor wins = is_max ? nimbus::gt(av, bv) : nimbus::lt(av, bv);
      const Tensor ties = nimbus::eq(av, bv);
      const Tensor share_a = nimbus::add(wins.to(g.dtype()), nimbus::mul(ties.to(g.dtype()), 0.5));
      const Tensor share_b = nimbus::sub(ones_like(share_a), share_a);
      return std::vector<Tensor>{reduce_grad(nimbus::mul(g, share_a), a), reduce_grad(nimbus::mul(g, share_b), b)};
    };
  });
}
}  // namespace

Variable maximum(const Variable& a, const Variable& b) { return extremum("maximum", true, a, b); }
Variable minimum(const Variable& a, const Variable& b) { return extremum("minimum", false, a, b); }

Variable where(const Tensor& cond, const Variable& a, const Variable& b) {
  return record("where", nimbus::where(cond, a.data(), b.data()), {a, b}, [&] {
    SavedTensor sc(cond.to(DType::boolean));
    return [a, b, sc](const Tensor& g) {
      const Tensor& c = sc.get("where");
      const Tensor zero = zeros({}, {g.dtype(), g.device()});
      return std::vector<Tensor>{reduce_grad(nimbus::where(c, g, zero), a), reduce_grad(nimbus::where(c, zero, g), b)};
    };
  });
}

Variable gelu(const Variable& x) {
  // d/dx x Phi(x) = Phi(x) + x phi(x), Phi the normal CDF and phi its density: one fused pass.
  return unary_with_backward("gelu", nimbus::gelu(x.data()), x,
                             [](const Tensor& g, const Tensor& v) { return nimbus::gelu_backward(g, v); });
}

Variable gelu_tanh(const Variable& x) {
  // GPT-2's approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), forward and backward
  // each one vectorizable pass (Note [Tanh GELU through exp] in kernels/functors/activation.h).
  return unary_with_backward("gelu_tanh", nimbus::gelu(x.data(), GeluApproximation::tanh), x,
                             [](const Tensor& g, const Tensor& v) {
                               return nimbus::gelu_backward(g, v, GeluApproximation::tanh);
                             });
}

Variable add_constant(const Variable& x, const Tensor& constant) { return add(x, Variable(constant)); }

Variable matmul(const Variable& a, const Variable& b) {
  NIMBUS_CHECK_T(ShapeError, a.dim() >= 1 && b.dim() >= 1, "matmul: operands must have at least 1 dim, got ",
                 shape_str(a.shape()), " x ", shape_str(b.shape()));
  // 1-d operands go through 2-d ones, so the backward below only sees matrices (and batches).
  if (a.dim() == 1) {
    Shape out = b.shape();
    out.erase(out.end() - 2);
    return reshape(matmul(reshape(a, {1, a.size(0)}), b), out);
  }
  if (b.dim() == 1) {
    Shape out = a.shape();
    out.pop_back();
    return reshape(matmul(a, reshape(b, {b.size(0), 1})), out);
  }
  return record("matmul", nimbus::matmul(a.data(), b.data()), {a, b}, [a, b] {
    SavedTensor sa(a.data()), sb(b.data());
    // A product per input that needs it: an input batch of data costs a whole GEMM otherwise.
    const bool need_a = a.requires_grad(), need_b = b.requires_grad();
    return [a, b, sa, sb, need_a, need_b](const Tensor& g) {
      Tensor ga, gb;
      if (need_a) ga = reduce_grad(nimbus::matmul(g, sb.get("matmul").transpose(-1, -2)), a);
      if (need_b) gb = reduce_grad(nimbus::matmul(sa.get("matmul").transpose(-1, -2), g), b);
      return std::vector<Tensor>{ga, gb};
    };
  });
}

Variable linear(const Variable& x, const Variable& weight, const Variable& bias) {
  NIMBUS_CHECK_T(ShapeError, weight.dim() == 2, "linear: weight must be [out_features, in_features], got ",
                 shape_str(weight.shape()));
  Tensor out = nimbus::linear(x.data(), weight.data(), bias.defined() ? bias.data() : Tensor());
  return record("linear", std::move(out), {x, weight, bias}, [&] {
    SavedTensor sx(x.data()), sw(weight.data());
    const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
    const bool need_b = bias.defined() && bias.requires_grad();
    const DType x_dtype = x.dtype(), w_dtype = weight.dtype(), b_dtype = bias.defined() ? bias.dtype() : w_dtype;
    return [=](const Tensor& g) {
      // The leading dims of x and g fold into N rows: g is [N, out], x is [N, in].
      const int64_t out_features = g.dim() ? g.size(-1) : 1;
      const Tensor g2 = g.reshape({-1, out_features});
      Tensor gx, gw, gb;
      if (need_x) gx = nimbus::matmul(g, sw.get("linear")).to(x_dtype);
      // g^T x is the weight's gradient in its own [out, in] layout: one GEMM over all N rows that
      // reads g transposed in place, so nothing is copied before or after.
      if (need_w) {
        const Tensor& xv = sx.get("linear");
        gw = nimbus::matmul(g2.transpose(0, 1), xv.reshape({-1, xv.dim() ? xv.size(-1) : 1})).to(w_dtype);
      }
      if (need_b) gb = nimbus::sum(g2, {0}).to(b_dtype);
      return std::vector<Tensor>{gx, gw, gb};
    };
  });
}

Variable sum(const Variable& x, const std::vector<int64_t>& dims, bool keepdim) {
  return record("sum", nimbus::sum(x.data(), dims, keepdim), {x}, [x, dims, keepdim] {
    return [x, dims, keepdim](const Tensor& g) {
      Tensor grad = g;
      if (!keepdim && x.dim() > 0) {
        // Put back the reduced dims (all of them when dims is empty) as size 1, then broadcast.
        std::vector<int64_t> reduced = dims;
        if (reduced.empty())
          for (int64_t d = 0; d < x.dim(); ++d) reduced.push_back(d);
        for (int64_t& d : reduced) d = normalize_dim(d, x.dim(), "sum");
        std::sort(reduced.begin(), reduced.end());
        reduced.erase(std::unique(reduced.begin(), reduced.end()), reduced.end());
        for (int64_t d : reduced) grad = grad.unsqueeze(d);
      }
      return std::vector<Tensor>{grad.expand(x.shape()).to(x.dtype())};
    };
  });
}

Variable mean(const Variable& x, const std::vector<int64_t>& dims, bool keepdim) {
  int64_t count = 1;
  if (dims.empty()) count = x.data().numel();
  else
    for (int64_t d : dims) count *= x.size(d);
  return mul(sum(x, dims, keepdim), 1.0 / static_cast<double>(count));
}

Variable to(const Variable& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  const DType from = x.dtype();
  return record("to", x.data().to(dtype), {x}, [from] {
    return [from](const Tensor& g) { return std::vector<Tensor>{g.to(from)}; };
  });
}

Variable reshape(const Variable& x, const Shape& shape) {
  return record("reshape", x.data().reshape(shape), {x}, [x] {
    return [x](const Tensor& g) { return std::vector<Tensor>{g.reshape(x.shape())}; };
  });
}

Variable transpose(const Variable& x, int64_t d0, int64_t d1) {
  return record("transpose", x.data().transpose(d0, d1), {x}, [d0, d1] {
    return [d0, d1](const Tensor& g) { return std::vector<Tensor>{g.transpose(d0, d1)}; };
  });
}

}  // namespace nimbus::autograd
