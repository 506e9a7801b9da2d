// conv2d, max_pool2d and avg_pool2d, forward and backward, against naive float64 references
// written here (7 nested loops) and against central finite differences; strides, paddings,
// dilations, groups, ceil_mode, non-contiguous operands, low-precision dtypes, determinism and
// error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <tuple>

#include "kernels/conv_ops.h"
#include "reference.h"

namespace nimbus {
namespace {

using testing::expect_error;
using testing::non_contiguous;
using testing::random_tensor;
using testing::tolerance;
using testing::values;

using Vec = std::vector<double>;

// "[a, b, ...]" for test traces.
std::string dims(const std::vector<int64_t>& v) { return shape_str(v); }
std::string dims(Pair p) { return shape_str({p[0], p[1]}); }

// ---- conv2d reference ----

struct ConvCase {
  int64_t N, C, H, W, O, kH, kW;
  Conv2dParams p;
  bool bias;
  std::string str() const {
    return "x " + dims({N, C, H, W}) + " w " + dims({O, kH, kW}) + " stride " + dims(p.stride) + " pad " +
           dims(p.padding) + " dil " + dims(p.dilation) + " groups " + std::to_string(p.groups);
  }
  Shape x_shape() const { return {N, C, H, W}; }
  Shape w_shape() const { return {O, C / p.groups, kH, kW}; }
  int64_t OH() const { return (H + 2 * p.padding[0] - p.dilation[0] * (kH - 1) - 1) / p.stride[0] + 1; }
  int64_t OW() const { return (W + 2 * p.padding[1] - p.dilation[1] * (kW - 1) - 1) / p.stride[1] + 1; }
  Shape out_shape() const { return {N, O, OH(), OW()}; }
};

const std::vector<ConvCase>& conv_cases() {
  static const std::vector<ConvCase> kCases = {
      {1, 1, 5, 5, 1, 3, 3, {{1, 1}, {0, 0}, {1, 1}, 1}, false},
      {2, 3, 7, 6, 4, 3, 2, {{2, 1}, {1, 0}, {1, 1}, 1}, true},   // non-square kernel, image, stride
      {2, 4, 8, 9, 6, 3, 3, {{1, 2}, {2, 1}, {2, 1}, 2}, true},   // dilation and groups
      {3, 4, 6, 5, 4, 3, 3, {{1, 1}, {1, 1}, {1, 1}, 4}, true},   // depthwise
      {2, 3, 6, 6, 6, 3, 3, {{2, 2}, {1, 1}, {1, 1}, 3}, false},  // depthwise, multiplier 2
      {2, 4, 5, 5, 8, 1, 1, {{1, 1}, {0, 0}, {1, 1}, 1}, true},   // 1x1: no im2col
      {1, 6, 9, 7, 6, 2, 3, {{3, 2}, {1, 1}, {2, 2}, 3}, true},
      {19, 2, 5, 4, 3, 3, 3, {{1, 1}, {1, 1}, {1, 1}, 1}, true},  // more images than one chunk
  };
  return kCases;
}

// y[n,o,oh,ow] = b[o] + sum_{c,kh,kw} x[n, g*Cg+c, ih, iw] * w[o,c,kh,kw]; with visit() each term is
// reported (for the analytic backward) instead of summed.
struct ConvTerm {
  size_t out, x, w;
};
void for_each_conv_term(const ConvCase& k, const std::function<void(const ConvTerm&)>& visit) {
  const int64_t Cg = k.C / k.p.groups, Og = k.O / k.p.groups, OH = k.OH(), OW = k.OW();
  for (int64_t n = 0; n < k.N; ++n)
    for (int64_t o = 0; o < k.O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow)
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t kh = 0; kh < k.kH; ++kh)
              for (int64_t kw = 0; kw < k.kW; ++kw) {
                const int64_t ih = oh * k.p.stride[0] - k.p.padding[0] + kh * k.p.dilation[0];
                const int64_t iw = ow * k.p.stride[1] - k.p.padding[1] + kw * k.p.dilation[1];
                if (ih < 0 || ih >= k.H || iw < 0 || iw >= k.W) continue;
                const int64_t ci = (o / Og) * Cg + c;
                visit({static_cast<size_t>(((n * k.O + o) * OH + oh) * OW + ow),
                       static_cast<size_t>(((n * k.C + ci) * k.H + ih) * k.W + iw),
                       static_cast<size_t>(((o * Cg + c) * k.kH + kh) * k.kW + kw)});
              }
}

Vec ref_conv(const ConvCase& k, const Vec& x, const Vec& w, const Vec& b) {
  Vec y(static_cast<size_t>(shape_numel(k.out_shape())), 0.0);
  if (!b.empty())
    for (size_t i = 0; i < y.size(); ++i) y[i] = b[(i / static_cast<size_t>(k.OH() * k.OW())) % k.O];
  for_each_conv_term(k, [&](const ConvTerm& t) { y[t.out] += x[t.x] * w[t.w]; });
  return y;
}

struct RefConvGrads {
  Vec gx, gw, gb;
};
RefConvGrads ref_conv_backward(const ConvCase& k, const Vec& g, const Vec& x, const Vec& w) {
  RefConvGrads r{Vec(x.size(), 0.0), Vec(w.size(), 0.0), Vec(static_cast<size_t>(k.O), 0.0)};
  for (size_t i = 0; i < g.size(); ++i) r.gb[(i / static_cast<size_t>(k.OH() * k.OW())) % k.O] += g[i];
  for_each_conv_term(k, [&](const ConvTerm& t) {
    r.gx[t.x] += g[t.out] * w[t.w];
    r.gw[t.w] += g[t.out] * x[t.x];
  });
  return r;
}

Vec abs_values(const Vec& v) {
  Vec a(v);
  for (double& e : a) e = std::abs(e);
  return a;
}

// |got - ref| <= tol * scale elementwise, scale being the sum of |terms| (the rounding bound).
void expect_close(const Tensor& got, const Shape& shape, const Vec& ref, const Vec& scale, double tol) {
  ASSERT_EQ(got.shape(), shape);
  const Vec v = values(got);
  for (size_t i = 0; i < v.size(); ++i)
    EXPECT_NEAR(v[i], ref[i], tol * (scale[i] + 1e-300)) << "element " << i;
}

// Gradient of loss(v) by central differences.
Vec numeric_grad(const std::function<double(const Vec&)>& loss, const Vec& v) {
  constexpr double h = 1e-6;
  Vec grad(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    Vec plus = v, minus = v;
    plus[i] += h;
    minus[i] -= h;
    grad[i] = (loss(plus) - loss(minus)) / (2 * h);
  }
  return grad;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// ---- conv2d ----

TEST(Conv2d, MatchesReferenceOverCasesDtypesAndLayouts) {
  for (const ConvCase& k : conv_cases()) {
    for (DType dtype : testing::float_dtypes()) {
      SCOPED_TRACE(k.str() + " " + std::string(dtype_name(dtype)));
      const Tensor x = random_tensor(k.x_shape(), dtype, 1), w = random_tensor(k.w_shape(), dtype, 2);
      const Tensor b = k.bias ? random_tensor({k.O}, dtype, 3) : Tensor();
      const Vec bv = k.bias ? values(b) : Vec();
      const Vec ref = ref_conv(k, values(x), values(w), bv);
      const Vec scale = ref_conv(k, abs_values(values(x)), abs_values(values(w)), abs_values(bv));
      const double tol = dtype == DType::f64 ? 1e-13 : dtype == DType::f32 ? 1e-6 : 2 * tolerance(dtype);
      const Tensor y = conv2d(x, w, b, k.p);
      EXPECT_EQ(y.dtype(), dtype);
      expect_close(y, k.out_shape(), ref, scale, tol);
      expect_close(conv2d(non_contiguous(x), non_contiguous(w), k.bias ? non_contiguous(b) : b, k.p), k.out_shape(),
                   ref, scale, tol);
    }
  }
}

TEST(Conv2d, BackwardMatchesFiniteDifferencesAndReference) {
  for (const ConvCase& k : conv_cases()) {
    SCOPED_TRACE(k.str());
    const Tensor x = random_tensor(k.x_shape(), DType::f64, 4), w = random_tensor(k.w_shape(), DType::f64, 5);
    const Tensor b = random_tensor({k.O}, DType::f64, 6), g = random_tensor(k.out_shape(), DType::f64, 7);
    const Vec xv = values(x), wv = values(w), bv = values(b), gv = values(g);
    const Conv2dGrads grads = conv2d_backward(g, x, w, k.p);
    const RefConvGrads ref = ref_conv_backward(k, gv, xv, wv);
    testing::expect_values(grads.grad_input, k.x_shape(), ref.gx, 1e-12, 1e-12);
    testing::expect_values(grads.grad_weight, k.w_shape(), ref.gw, 1e-12, 1e-12);
    testing::expect_values(grads.grad_bias, {k.O}, ref.gb, 1e-12, 1e-12);
    // The op itself, differentiated numerically (the many-image case is covered by the reference).
    if (k.N > 4) continue;
    auto run = [&](const Vec& xs, const Vec& ws, const Vec& bs) {
      return dot(gv, values(conv2d(from_vector(xs, k.x_shape()), from_vector(ws, k.w_shape()),
                                   from_vector(bs, {k.O}), k.p)));
    };
    testing::expect_values(grads.grad_input, k.x_shape(),
                           numeric_grad([&](const Vec& v) { return run(v, wv, bv); }, xv), 1e-6, 1e-7);
    testing::expect_values(grads.grad_weight, k.w_shape(),
                           numeric_grad([&](const Vec& v) { return run(xv, v, bv); }, wv), 1e-6, 1e-7);
    testing::expect_values(grads.grad_bias, {k.O}, numeric_grad([&](const Vec& v) { return run(xv, wv, v); }, bv),
                           1e-6, 1e-7);
    // Non-contiguous operands give the same gradients.
    const Conv2dGrads nc = conv2d_backward(non_contiguous(g), non_contiguous(x), non_contiguous(w), k.p);
    EXPECT_EQ(values(nc.grad_input), values(grads.grad_input));
    EXPECT_EQ(values(nc.grad_weight), values(grads.grad_weight));
  }
}

TEST(Conv2d, BackwardInLowPrecisionMatchesReference) {
  for (const ConvCase& k : conv_cases()) {
    for (DType dtype : {DType::f32, DType::bf16, DType::f16}) {
      SCOPED_TRACE(k.str() + " " + std::string(dtype_name(dtype)));
      const Tensor x = random_tensor(k.x_shape(), dtype, 8), w = random_tensor(k.w_shape(), dtype, 9);
      const Tensor g = random_tensor(k.out_shape(), dtype, 10);
      const Conv2dGrads grads = conv2d_backward(g, x, w, k.p);
      const RefConvGrads ref = ref_conv_backward(k, values(g), values(x), values(w));
      const RefConvGrads scale =
          ref_conv_backward(k, abs_values(values(g)), abs_values(values(x)), abs_values(values(w)));
      const double tol = dtype == DType::f32 ? 1e-6 : 2 * tolerance(dtype);
      expect_close(grads.grad_input, k.x_shape(), ref.gx, scale.gx, tol);
      expect_close(grads.grad_weight, k.w_shape(), ref.gw, scale.gw, tol);
      expect_close(grads.grad_bias, {k.O}, ref.gb, scale.gb, tol);
    }
  }
}

TEST(Conv2d, BackwardComputesOnlyWhatIsAskedAndIsDeterministic) {
  const ConvCase k{40, 8, 12, 12, 16, 3, 3, {{1, 1}, {1, 1}, {1, 1}, 2}, true};
  const Tensor x = random_tensor(k.x_shape(), DType::f32, 11), w = random_tensor(k.w_shape(), DType::f32, 12);
  const Tensor g = random_tensor(k.out_shape(), DType::f32, 13);
  const Conv2dGrads only_w = conv2d_backward(g, x, w, k.p, false, true, false);
  EXPECT_FALSE(only_w.grad_input.defined());
  EXPECT_FALSE(only_w.grad_bias.defined());
  const Conv2dGrads a = conv2d_backward(g, x, w, k.p), b = conv2d_backward(g, x, w, k.p);
  for (const auto& [p, q] : {std::pair{a.grad_input, b.grad_input}, std::pair{a.grad_weight, b.grad_weight},
                             std::pair{a.grad_weight, only_w.grad_weight}, std::pair{a.grad_bias, b.grad_bias}})
    EXPECT_EQ(std::memcmp(p.data_ptr(), q.data_ptr(), p.numel() * p.element_size()), 0);
  const Tensor y1 = conv2d(x, w, Tensor(), k.p), y2 = conv2d(x, w, Tensor(), k.p);
  EXPECT_EQ(std::memcmp(y1.data_ptr(), y2.data_ptr(), y1.numel() * y1.element_size()), 0);
}

TEST(Conv2d, LargeSingleImageMatchesReference) {
  // One image with enough work that BLAS threads the GEMM itself (the other path of the kernel).
  const ConvCase k{1, 32, 32, 32, 32, 3, 3, {{1, 1}, {1, 1}, {1, 1}, 1}, true};
  const Tensor x = random_tensor(k.x_shape(), DType::f32, 14), w = random_tensor(k.w_shape(), DType::f32, 15);
  const Tensor b = random_tensor({k.O}, DType::f32, 16), g = random_tensor(k.out_shape(), DType::f32, 17);
  const Vec xv = values(x), wv = values(w), gv = values(g);
  expect_close(conv2d(x, w, b, k.p), k.out_shape(), ref_conv(k, xv, wv, values(b)),
               ref_conv(k, abs_values(xv), abs_values(wv), abs_values(values(b))), 1e-6);
  const Conv2dGrads grads = conv2d_backward(g, x, w, k.p);
  const RefConvGrads ref = ref_conv_backward(k, gv, xv, wv);
  const RefConvGrads scale = ref_conv_backward(k, abs_values(gv), abs_values(xv), abs_values(wv));
  expect_close(grads.grad_input, k.x_shape(), ref.gx, scale.gx, 1e-6);
  expect_close(grads.grad_weight, k.w_shape(), ref.gw, scale.gw, 1e-6);
  expect_close(grads.grad_bias, {k.O}, ref.gb, scale.gb, 1e-6);
}

TEST(Conv2d, RowRunsOfEveryShortLengthMatchReference) {
  // im2col moves each in-bounds run of an output row (and the padding around it) in fixed 32-,
  // 16-, 8- and 4-byte pieces, the last piece overlapping the one before, and runs over 128 bytes
  // in one library call. Widths 3..19 with padding and dilation give runs of every length class
  // (1 element up to 152 bytes), in float and double, starting inside the padding and ending
  // past it.
  const std::vector<Conv2dParams> params = {
      {{1, 1}, {1, 2}, {1, 2}, 2},  // runs W - 2, W, W - 2
      {{1, 1}, {0, 0}, {1, 1}, 1},  // no padding: runs W - 2 from offsets 0, 1, 2
      {{2, 1}, {1, 3}, {2, 1}, 2},  // height stride 2, wide padding: zero-only stretches
      {{1, 1}, {2, 1}, {1, 1}, 2},  // stride 1: the zero-bordered copy (Note [Padded im2col]), rows <= 16
  };
  for (const Conv2dParams& p : params)
    for (int64_t W = 3; W <= 19; ++W) {
      const ConvCase k{3, 4, 6, W, 4, 3, 3, p, true};
      for (DType dtype : {DType::f32, DType::f64}) {
        SCOPED_TRACE(k.str() + " " + std::string(dtype_name(dtype)));
        const Tensor x = random_tensor(k.x_shape(), dtype, 18), w = random_tensor(k.w_shape(), dtype, 19);
        const Tensor b = random_tensor({k.O}, dtype, 20), g = random_tensor(k.out_shape(), dtype, 21);
        const Vec xv = values(x), wv = values(w), bv = values(b), gv = values(g);
        const double tol = dtype == DType::f64 ? 1e-13 : 1e-6;
        expect_close(conv2d(x, w, b, k.p), k.out_shape(), ref_conv(k, xv, wv, bv),
                     ref_conv(k, abs_values(xv), abs_values(wv), abs_values(bv)), tol);
        const Conv2dGrads grads = conv2d_backward(g, x, w, k.p);
        const RefConvGrads ref = ref_conv_backward(k, gv, xv, wv);
        const RefConvGrads scale = ref_conv_backward(k, abs_values(gv), abs_values(xv), abs_values(wv));
        expect_close(grads.grad_input, k.x_shape(), ref.gx, scale.gx, tol);
        expect_close(grads.grad_weight, k.w_shape(), ref.gw, scale.gw, tol);
      }
    }
}

// ---- errors ----

TEST(Conv2d, ErrorsNameTheOpAndShapes) {
  expect_error<ShapeError>([] { conv2d(zeros({1, 3, 5, 5}), zeros({4, 1, 3, 3}), Tensor(), {.groups = 2}); },
                           {"conv2d", "not divisible by groups", "[1, 3, 5, 5]"});
  expect_error<ShapeError>([] { conv2d(zeros({1, 3, 5, 5}), zeros({4, 2, 3, 3})); },
                           {"conv2d", "[4, 2, 3, 3]", "[1, 3, 5, 5]", "input channels"});
  expect_error<ShapeError>([] { conv2d(zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3})); },
                           {"conv2d", "larger than the padded input"});
  expect_error<ShapeError>([] { conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}), Tensor(), {.stride = {0, 1}}); },
                           {"conv2d", "stride must be positive"});
  expect_error<ShapeError>([] { conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}), Tensor(), {.dilation = {1, -1}}); },
                           {"conv2d", "dilation must be positive"});
  expect_error<ShapeError>([] { conv2d(zeros({1, 1, 4, 4}), zeros({2, 1, 3, 3}), zeros({3})); },
                           {"conv2d", "bias", "[3]"});
  expect_error<DTypeError>([] { conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}, DType::f64)); },
                           {"conv2d", "f64", "f32"});
  expect_error<ShapeError>([] { conv2d_backward(zeros({1, 1, 3, 3}), zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3})); },
                           {"conv2d_backward", "[1, 1, 3, 3]", "[1, 1, 2, 2]"});
}

// ---- pooling references ----

struct PoolCase {
  int64_t N, C, H, W;
  Pair kernel, stride, padding, dilation;
  bool ceil_mode, count_include_pad;
  std::string str() const {
    return "x " + dims({N, C, H, W}) + " k " + dims(kernel) + " stride " + dims(stride) + " pad " + dims(padding) +
           " dil " + dims(dilation) + (ceil_mode ? " ceil" : "") + (count_include_pad ? "" : " exclude_pad");
  }
  Shape x_shape() const { return {N, C, H, W}; }
  int64_t out_size(int d) const {
    const int64_t in = d == 0 ? H : W, span = dilation[d] * (kernel[d] - 1) + 1;
    const double exact = static_cast<double>(in + 2 * padding[d] - span) / static_cast<double>(stride[d]);
    int64_t o = static_cast<int64_t>(ceil_mode ? std::ceil(exact) : std::floor(exact)) + 1;
    if (ceil_mode && (o - 1) * stride[d] >= in + padding[d]) --o;  // last window must start inside
    return o;
  }
  Shape out_shape() const { return {N, C, out_size(0), out_size(1)}; }
};

const std::vector<PoolCase>& pool_cases() {
  static const std::vector<PoolCase> kCases = {
      {1, 1, 5, 5, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false, true},
      {2, 3, 7, 6, {3, 2}, {2, 1}, {1, 1}, {1, 1}, false, true},
      {2, 3, 7, 6, {3, 2}, {2, 1}, {1, 1}, {1, 1}, false, false},
      {2, 2, 9, 8, {3, 3}, {2, 2}, {1, 0}, {2, 2}, true, true},
      {1, 2, 6, 7, {2, 3}, {3, 2}, {0, 1}, {1, 1}, true, true},
      {1, 2, 6, 7, {3, 3}, {2, 2}, {1, 1}, {1, 1}, true, false},
      {3, 1, 4, 4, {4, 4}, {1, 1}, {2, 2}, {1, 1}, false, true},
  };
  return kCases;
}

// Window positions (flattened h * W + w within the plane) of output (oh, ow), padding skipped.
std::vector<int64_t> window(const PoolCase& k, int64_t oh, int64_t ow) {
  std::vector<int64_t> at;
  for (int64_t i = 0; i < k.kernel[0]; ++i)
    for (int64_t j = 0; j < k.kernel[1]; ++j) {
      const int64_t h = oh * k.stride[0] - k.padding[0] + i * k.dilation[0];
      const int64_t w = ow * k.stride[1] - k.padding[1] + j * k.dilation[1];
      if (h >= 0 && h < k.H && w >= 0 && w < k.W) at.push_back(h * k.W + w);
    }
  return at;
}

// The average's divisor, PyTorch's rule: the window clipped to the padded input, or to the input.
double divisor(const PoolCase& k, int64_t oh, int64_t ow) {
  if (!k.count_include_pad) return static_cast<double>(window(k, oh, ow).size());
  const int64_t h0 = oh * k.stride[0] - k.padding[0], w0 = ow * k.stride[1] - k.padding[1];
  const int64_t h1 = std::min(h0 + k.kernel[0], k.H + k.padding[0]);
  const int64_t w1 = std::min(w0 + k.kernel[1], k.W + k.padding[1]);
  return static_cast<double>((h1 - h0) * (w1 - w0));
}

// Calls body(plane, oh, ow, output position) for every output element.
void for_each_output(const PoolCase& k, const std::function<void(int64_t, int64_t, int64_t, size_t)>& body) {
  const int64_t OH = k.out_size(0), OW = k.out_size(1);
  for (int64_t plane = 0; plane < k.N * k.C; ++plane)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) body(plane, oh, ow, static_cast<size_t>((plane * OH + oh) * OW + ow));
}

struct RefMax {
  Vec out, index;
};
RefMax ref_max_pool(const PoolCase& k, const Vec& x) {
  RefMax r{Vec(static_cast<size_t>(shape_numel(k.out_shape()))), Vec(static_cast<size_t>(shape_numel(k.out_shape())))};
  for_each_output(k, [&](int64_t plane, int64_t oh, int64_t ow, size_t o) {
    const std::vector<int64_t> at = window(k, oh, ow);
    double best = -INFINITY;
    int64_t best_at = at.front();
    for (int64_t a : at) {
      const double v = x[static_cast<size_t>(plane * k.H * k.W + a)];
      if (v > best || std::isnan(v)) best = v, best_at = a;
    }
    r.out[o] = best;
    r.index[o] = static_cast<double>(best_at);
  });
  return r;
}

Vec ref_avg_pool(const PoolCase& k, const Vec& x) {
  Vec y(static_cast<size_t>(shape_numel(k.out_shape())));
  for_each_output(k, [&](int64_t plane, int64_t oh, int64_t ow, size_t o) {
    double s = 0;
    for (int64_t a : window(k, oh, ow)) s += x[static_cast<size_t>(plane * k.H * k.W + a)];
    y[o] = s / divisor(k, oh, ow);
  });
  return y;
}

Vec ref_avg_pool_backward(const PoolCase& k, const Vec& g) {
  Vec gx(static_cast<size_t>(shape_numel(k.x_shape())), 0.0);
  for_each_output(k, [&](int64_t plane, int64_t oh, int64_t ow, size_t o) {
    for (int64_t a : window(k, oh, ow)) gx[static_cast<size_t>(plane * k.H * k.W + a)] += g[o] / divisor(k, oh, ow);
  });
  return gx;
}

Vec ref_max_pool_backward(const PoolCase& k, const Vec& g, const Vec& index) {
  Vec gx(static_cast<size_t>(shape_numel(k.x_shape())), 0.0);
  const int64_t per_plane = k.out_size(0) * k.out_size(1);
  for (size_t o = 0; o < g.size(); ++o)
    gx[static_cast<size_t>(static_cast<int64_t>(o) / per_plane * k.H * k.W + static_cast<int64_t>(index[o]))] += g[o];
  return gx;
}

MaxPool2dResult run_max(const PoolCase& k, const Tensor& x) {
  return max_pool2d(x, k.kernel, k.stride, k.padding, k.dilation, k.ceil_mode);
}
Tensor run_avg(const PoolCase& k, const Tensor& x) {
  return avg_pool2d(x, k.kernel, k.stride, k.padding, k.ceil_mode, k.count_include_pad);
}
bool avg_applies(const PoolCase& k) { return k.dilation == Pair{1, 1}; }  // avg_pool2d has no dilation

// ---- max_pool2d ----

TEST(MaxPool2d, MatchesReferenceOverCasesDtypesAndLayouts) {
  for (const PoolCase& k : pool_cases()) {
    for (DType dtype : testing::float_dtypes()) {
      SCOPED_TRACE(k.str() + " " + std::string(dtype_name(dtype)));
      const Tensor x = random_tensor(k.x_shape(), dtype, 20);
      const RefMax ref = ref_max_pool(k, values(x));
      for (const Tensor& xi : {x, non_contiguous(x)}) {
        const MaxPool2dResult r = run_max(k, xi);
        EXPECT_EQ(r.output.dtype(), dtype);
        EXPECT_EQ(r.indices.dtype(), DType::i64);
        testing::expect_values(r.output, k.out_shape(), ref.out, 0, 0);  // max is exact in any dtype
        // bf16/f16 rounding may tie two values; the first of a tie wins in both.
        testing::expect_values(r.indices, k.out_shape(), ref.index, 0, 0);
      }
    }
  }
}

// The 2x2, stride-2 path (kernels/cpu/pool_cpu.cpp): even and odd sizes (a row or column left
// over), ceil mode (a partial last window: the general loop), and values with many ties, NaN
// and -inf, where the winner rule decides both the value and the index.
TEST(MaxPool2d, TwoByTwoStrideTwoMatchesReferenceWithTiesNanAndInfinity) {
  for (const auto& [h, w, ceil] : {std::tuple{28, 28, false}, {7, 9, false}, {7, 9, true}, {2, 30, false}}) {
    const PoolCase k{3, 5, h, w, {2, 2}, {2, 2}, {0, 0}, {1, 1}, ceil, true};
    Vec xv = values(random_tensor(k.x_shape(), DType::f64, 33, -2, 2));
    for (size_t i = 0; i < xv.size(); ++i) {
      xv[i] = std::round(xv[i]);  // few distinct values: many ties
      if (i % 13 == 0) xv[i] = NAN;
      if (i % 7 == 0) xv[i] = -INFINITY;
    }
    const RefMax ref = ref_max_pool(k, xv);
    for (DType dtype : testing::float_dtypes()) {
      SCOPED_TRACE(k.str() + " " + std::string(dtype_name(dtype)));
      const MaxPool2dResult r = run_max(k, from_vector(xv, k.x_shape()).to(dtype));
      testing::expect_values(r.output, k.out_shape(), ref.out, 0, 0);
      testing::expect_values(r.indices, k.out_shape(), ref.index, 0, 0);
    }
  }
}

// Inference asks for the maxima alone (with_indices false): the same values, on the 2x2 path and
// the general one, and no indices.
TEST(MaxPool2d, MaximaAloneEqualTheMaximaWithIndices) {
  for (const PoolCase& k : pool_cases())
    for (DType dtype : testing::float_dtypes()) {
      SCOPED_TRACE(k.str() + " " + std::string(dtype_name(dtype)));
      Vec xv = values(random_tensor(k.x_shape(), DType::f64, 34, -2, 2));
      for (size_t i = 0; i < xv.size(); i += 11) xv[i] = NAN;
      const Tensor x = from_vector(xv, k.x_shape()).to(dtype);
      const MaxPool2dResult alone = max_pool2d(x, k.kernel, k.stride, k.padding, k.dilation, k.ceil_mode, false);
      EXPECT_FALSE(alone.indices.defined());
      testing::expect_values(alone.output, k.out_shape(), ref_max_pool(k, values(x)).out, 0, 0);
    }
}

TEST(MaxPool2d, NanPropagatesAndStrideDefaultsToKernel) {
  Tensor x = from_vector<double>({1, 5, 2, 0, NAN, 3, 7, 8, 4, 6, 9, -1, 2, 2, 2, 2}, {1, 1, 4, 4});
  const MaxPool2dResult r = max_pool2d(x, {2, 2});
  EXPECT_EQ(r.output.shape(), (Shape{1, 1, 2, 2}));
  const Vec out = values(r.output);
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_EQ(out[1], 8);
  EXPECT_EQ(values(r.indices), (Vec{4, 7, 9, 10}));
}

TEST(MaxPool2d, BackwardMatchesFiniteDifferencesAndReference) {
  for (const PoolCase& k : pool_cases()) {
    SCOPED_TRACE(k.str());
    const Tensor x = random_tensor(k.x_shape(), DType::f64, 21), g = random_tensor(k.out_shape(), DType::f64, 22);
    const MaxPool2dResult r = run_max(k, x);
    const Tensor gx = max_pool2d_backward(g, r.indices, k.x_shape());
    testing::expect_values(gx, k.x_shape(), ref_max_pool_backward(k, values(g), values(r.indices)), 1e-15, 1e-15);
    const Vec numeric = numeric_grad(
        [&](const Vec& v) { return dot(values(g), values(run_max(k, from_vector(v, k.x_shape())).output)); },
        values(x));
    testing::expect_values(gx, k.x_shape(), numeric, 1e-6, 1e-7);
    EXPECT_EQ(values(max_pool2d_backward(non_contiguous(g), non_contiguous(r.indices), k.x_shape())), values(gx));
    for (DType dtype : {DType::f32, DType::bf16}) {
      const Tensor gl = g.to(dtype);
      testing::expect_values(max_pool2d_backward(gl, r.indices, k.x_shape()), k.x_shape(),
                             ref_max_pool_backward(k, values(gl), values(r.indices)), 2 * tolerance(dtype),
                             2 * tolerance(dtype));
    }
  }
}

// ---- avg_pool2d ----

TEST(AvgPool2d, MatchesReferenceOverCasesDtypesAndLayouts) {
  for (const PoolCase& k : pool_cases()) {
    if (!avg_applies(k)) continue;
    for (DType dtype : testing::float_dtypes()) {
      SCOPED_TRACE(k.str() + " " + std::string(dtype_name(dtype)));
      const Tensor x = random_tensor(k.x_shape(), dtype, 30);
      const Vec ref = ref_avg_pool(k, values(x));
      const double tol = 4 * tolerance(dtype);
      testing::expect_values(run_avg(k, x), k.out_shape(), ref, tol, tol);
      testing::expect_values(run_avg(k, non_contiguous(x)), k.out_shape(), ref, tol, tol);
    }
  }
}

TEST(AvgPool2d, BackwardMatchesFiniteDifferencesAndReference) {
  for (const PoolCase& k : pool_cases()) {
    if (!avg_applies(k)) continue;
    SCOPED_TRACE(k.str());
    const Tensor x = random_tensor(k.x_shape(), DType::f64, 31), g = random_tensor(k.out_shape(), DType::f64, 32);
    auto backward = [&](const Tensor& grad) {
      return avg_pool2d_backward(grad, k.x_shape(), k.kernel, k.stride, k.padding, k.ceil_mode, k.count_include_pad);
    };
    const Tensor gx = backward(g);
    testing::expect_values(gx, k.x_shape(), ref_avg_pool_backward(k, values(g)), 1e-13, 1e-14);
    const Vec numeric =
        numeric_grad([&](const Vec& v) { return dot(values(g), values(run_avg(k, from_vector(v, k.x_shape())))); },
                     values(x));
    testing::expect_values(gx, k.x_shape(), numeric, 1e-6, 1e-7);
    EXPECT_EQ(values(backward(non_contiguous(g))), values(gx));
    for (DType dtype : {DType::f32, DType::bf16}) {
      const Tensor gl = g.to(dtype);
      testing::expect_values(backward(gl), k.x_shape(), ref_avg_pool_backward(k, values(gl)), 4 * tolerance(dtype),
                             4 * tolerance(dtype));
    }
  }
}

TEST(AvgPool2d, PoolingErrorsNameTheOpAndShapes) {
  expect_error<ShapeError>([] { max_pool2d(zeros({1, 1, 4, 4}), {2, 2}, Pair{0, 1}); },
                           {"max_pool2d", "stride must be positive"});
  expect_error<ShapeError>([] { max_pool2d(zeros({1, 1, 4, 4}), {2, 2}, std::nullopt, {2, 0}); },
                           {"max_pool2d", "padding", "(2, 0)"});
  expect_error<ShapeError>([] { avg_pool2d(zeros({1, 1, 2, 2}), {3, 3}); },
                           {"avg_pool2d", "larger than the padded input", "[1, 1, 2, 2]"});
  expect_error<ShapeError>([] { avg_pool2d(zeros({4, 4}), {2, 2}); }, {"avg_pool2d", "4-d", "[4, 4]"});
  expect_error<DTypeError>([] { max_pool2d(zeros({1, 1, 4, 4}, DType::i32), {2, 2}); }, {"max_pool2d", "i32"});
  expect_error<ShapeError>(
      [] { avg_pool2d_backward(zeros({1, 1, 3, 3}), {1, 1, 4, 4}, {2, 2}); },
      {"avg_pool2d_backward", "[1, 1, 3, 3]", "[1, 1, 2, 2]"});
  expect_error<ShapeError>(
      [] { max_pool2d_backward(zeros({1, 1, 2, 2}), full({1, 1, 2, 2}, 99, DType::i64), {1, 1, 4, 4}); },
      {"max_pool2d_backward", "outside"});
}

}  // namespace
}  // namespace nimbus
