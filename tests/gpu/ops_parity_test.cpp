// CUDA kernels against the CPU kernels (Note [GPU parity harness] in parity_harness.h): one gtest
// per op and dtype, e.g. OpsParity/Cuda.MatchesCpu/exp_f16. Skipped without a CUDA device.
#include <cmath>
#include <optional>
#include <ostream>
#include <tuple>

#include "kernels/conv_ops.h"
#include "kernels/dispatch.h"
#include "kernels/nn_ops.h"
#include "kernels/ops.h"
#include "kernels/optimizer_ops.h"
#include "gpu/parity_harness.h"

namespace nimbus::gpu_parity {
namespace {

const std::vector<DType> kFloats = {DType::f32, DType::f64, DType::f16, DType::bf16};
const std::vector<DType> kFloatsInts = {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64};

std::vector<DType> with(std::vector<DType> a, std::initializer_list<DType> more) {
  a.insert(a.end(), more);
  return a;
}

Dist dist_for(DType dt, Dist floating) {
  if (dt == DType::boolean) return Dist::boolean;
  return is_floating(dt) ? floating : Dist::small_int;
}

// ---- elementwise ----

using UnaryFn = std::function<Tensor(const Tensor&)>;
using BinaryFn = std::function<Tensor(const Tensor&, const Tensor&)>;

OpCase unary_case(const std::string& name, std::vector<DType> dtypes, UnaryFn fn, Dist dist = Dist::normal) {
  return {name, std::move(dtypes), [=](DType dt) {
            Generator gen(11);
            for (const Shape& shape : shapes())
              for (Layout layout : layouts()) {
                const Input x = make_input(shape, dt, layout, gen, dist_for(dt, dist));
                expect_close(fn(x.on(Device::cpu())), fn(x.on(gpu())), tolerance(dt),
                             describe(name, dt, shape, layout_name(layout)));
              }
          }};
}

// The second operand takes every layout against a contiguous first one and the reverse, and a
// trailing-dim vector broadcast against a full tensor.
OpCase binary_case(const std::string& name, std::vector<DType> dtypes, BinaryFn fn, Dist da = Dist::normal,
                   Dist db = Dist::normal) {
  return {name, std::move(dtypes), [=](DType dt) {
            Generator gen(12);
            for (const Shape& shape : shapes()) {
              for (Layout layout : layouts()) {
                for (bool swap : {false, true}) {
                  const Input a = make_input(shape, dt, swap ? layout : Layout::contiguous, gen, dist_for(dt, da));
                  const Input b = make_input(shape, dt, swap ? Layout::contiguous : layout, gen, dist_for(dt, db));
                  expect_close(fn(a.on(Device::cpu()), b.on(Device::cpu())), fn(a.on(gpu()), b.on(gpu())),
                               tolerance(dt), describe(name, dt, shape, layout_name(layout)));
                }
              }
              const Input a = make_input(shape, dt, Layout::strided, gen, dist_for(dt, da));
              const Input row = make_input({shape.back()}, dt, Layout::contiguous, gen, dist_for(dt, db));
              expect_close(fn(a.on(Device::cpu()), row.on(Device::cpu())), fn(a.on(gpu()), row.on(gpu())),
                           tolerance(dt), describe(name, dt, shape, "row broadcast"));
            }
          }};
}

OpCase where_case() {
  return {"where", with(kFloatsInts, {DType::boolean}), [](DType dt) {
            Generator gen(13);
            for (const Shape& shape : shapes())
              for (Layout layout : layouts()) {
                const Input c = make_input(shape, DType::boolean, layout, gen, Dist::boolean);
                const Input a = make_input(shape, dt, Layout::strided, gen, dist_for(dt, Dist::normal));
                const Input b = make_input(shape, dt, Layout::broadcast, gen, dist_for(dt, Dist::normal));
                expect_close(where(c.on(Device::cpu()), a.on(Device::cpu()), b.on(Device::cpu())),
                             where(c.on(gpu()), a.on(gpu()), b.on(gpu())), tolerance(dt),
                             describe("where", dt, shape, layout_name(layout)));
              }
          }};
}

// ---- reductions ----

// Dim sets per rank: all dims, the last, the first, and (rank >= 3) a middle pair.
std::vector<std::vector<int64_t>> dim_sets(int64_t rank) {
  std::vector<std::vector<int64_t>> s = {{}, {rank - 1}};
  if (rank >= 2) s.push_back({0});
  if (rank >= 3) s.push_back({0, rank - 1});
  if (rank >= 4) s.push_back({1, 2});
  return s;
}

std::string dims_str(const std::vector<int64_t>& dims) {
  std::string s = "dims [";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

using ReduceFn = std::function<Tensor(const Tensor&, const std::vector<int64_t>&)>;

OpCase reduce_case(const std::string& name, std::vector<DType> dtypes, ReduceFn fn, double tol_scale = 1) {
  return {name, std::move(dtypes), [=](DType dt) {
            Generator gen(14);
            std::vector<Shape> all = shapes();
            all.push_back({3, 100003});  // long rows: the split-into-pieces path
            all.push_back({70001, 3});   // long columns
            for (const Shape& shape : all)
              for (Layout layout : layouts())
                for (const auto& dims : dim_sets(static_cast<int64_t>(shape.size()))) {
                  const Input x = make_input(shape, dt, layout, gen, dist_for(dt, Dist::normal));
                  const Tensor c = fn(x.on(Device::cpu()), dims);
                  Tol tol = tolerance(c.dtype()).scaled(tol_scale);
                  expect_close(c, fn(x.on(gpu()), dims), tol,
                               describe(name, dt, shape, std::string(layout_name(layout)) + " " + dims_str(dims)));
                }
          }};
}

OpCase arg_case(const std::string& name, bool is_max) {
  return {name, kFloatsInts, [=](DType dt) {
            Generator gen(15);
            for (const Shape& shape : shapes())
              for (Layout layout : layouts()) {
                // Small integers repeat, so ties (first index wins) are exercised.
                const Input x = make_input(shape, dt, layout, gen, dist_for(dt, Dist::normal));
                auto fn = [&](const Tensor& t, std::optional<int64_t> d) { return is_max ? argmax(t, d) : argmin(t, d); };
                // Without a dim the op flattens with reshape, which copies a strided tensor on the
                // device (the registered element copy).
                expect_close(fn(x.on(Device::cpu()), std::nullopt), fn(x.on(gpu()), std::nullopt), {},
                             describe(name, dt, shape, std::string(layout_name(layout)) + " flattened"));
                for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
                  expect_close(fn(x.on(Device::cpu()), d), fn(x.on(gpu()), d), {},
                               describe(name, dt, shape, std::string(layout_name(layout)) + " dim " + std::to_string(d)));
              }
          }};
}

// ---- matmul ----

// Long sums in a different order: bounds scale with sqrt(K) relative to the element tolerance,
// and f32/f16/bf16 get a further factor 10 (cuBLAS blocks the k loop differently from OpenBLAS).
OpCase matmul_case() {
  return {"matmul", kFloatsInts, [](DType dt) {
            Generator gen(16);
            // `fold`: a batched a times a 2-d b, which matmul folds into one GEMM by reshaping a
            // to [B * M, K]. A transposed a cannot be viewed that way and is copied, and strided
            // copies on a device are not in the runtime yet, so those run with a's plain layouts.
            struct Dims {
              Shape a, b;
              bool fold = false;
            };
            const std::vector<Dims> cases = {{{1, 1}, {1, 1}},
                                             {{7, 3}, {3, 5}},
                                             {{33, 65}, {65, 17}},
                                             {{4, 31, 129}, {129, 9}, true},
                                             {{3, 17, 19}, {3, 19, 23}},
                                             {{2, 3, 5, 7}, {2, 3, 7, 4}},
                                             {{130, 257}, {257, 131}}};
            for (const Dims& m : cases)
              for (Layout la : {Layout::contiguous, Layout::transposed, Layout::strided})
                for (Layout lb : {Layout::contiguous, Layout::transposed, Layout::broadcast}) {
                  if (m.fold && la == Layout::transposed) continue;
                  // Two batch dims merge into one by reshape: a broadcast (stride 0) one would be copied.
                  if (m.a.size() == 4 && lb == Layout::broadcast) continue;
                  const Input a = make_input(m.a, dt, la, gen, dist_for(dt, Dist::normal));
                  const Input b = make_input(m.b, dt, lb, gen, dist_for(dt, Dist::normal));
                  const double k = static_cast<double>(m.a.back());
                  const Tol tol = tolerance(dt).scaled(dt == DType::f64 ? std::sqrt(k) : 10 * std::sqrt(k));
                  expect_close(matmul(a.on(Device::cpu()), b.on(Device::cpu())), matmul(a.on(gpu()), b.on(gpu())), tol,
                               describe("matmul", dt, m.a, shape_str(m.b) + " " + layout_name(la) + " x " +
                                                                 layout_name(lb)));
                }
          }};
}

// ---- NN row ops (contiguous inputs, as the public ops hand them to the kernels) ----

OpCase softmax_case(bool log, bool backward) {
  const std::string name = std::string(log ? "log_softmax" : "softmax") + (backward ? "_backward" : "");
  return {name, kFloats, [=](DType dt) {
            Generator gen(17);
            for (const Shape& shape : std::vector<Shape>{{1, 1}, {5, 7}, {3, 1000}, {4, 9, 6}, {2, 3, 5, 7}})
              for (int64_t dim = 0; dim < static_cast<int64_t>(shape.size()); ++dim) {
                const Tensor x = random_tensor(shape, dt, Dist::normal, gen);
                const Tensor g = random_tensor(shape, dt, Dist::normal, gen);
                auto run = [&](Device d) {
                  const Tensor y = log ? log_softmax(x.to(d), dim) : softmax(x.to(d), dim);
                  if (!backward) return y;
                  return log ? log_softmax_backward(g.to(d), y, dim) : softmax_backward(g.to(d), y, dim);
                };
                expect_close(run(Device::cpu()), run(gpu()), tolerance(dt),
                             describe(name, dt, shape, "dim " + std::to_string(dim)));
              }
          }};
}

OpCase layer_norm_case(bool backward) {
  const std::string name = backward ? "layer_norm_backward" : "layer_norm";
  return {name, kFloats, [=](DType dt) {
            Generator gen(18);
            for (const Shape& shape : std::vector<Shape>{{1, 1}, {5, 7}, {3, 1000}, {4, 9, 33}})
              for (bool affine : {false, true}) {
                const int64_t n = shape.back();
                const Tensor x = add(random_tensor(shape, dt, Dist::normal, gen), 3.0);  // an offset mean
                const Tensor w = affine ? random_tensor({n}, dt, Dist::normal, gen) : Tensor();
                const Tensor b = affine ? random_tensor({n}, dt, Dist::normal, gen) : Tensor();
                const Tensor g = random_tensor(shape, dt, Dist::normal, gen);
                const std::string what = describe(name, dt, shape, affine ? "affine" : "plain");
                auto on = [](const Tensor& t, Device d) { return t.defined() ? t.to(d) : Tensor(); };
                const LayerNormResult rc = layer_norm(x, {n}, w, b);
                const LayerNormResult rg = layer_norm(x.to(gpu()), {n}, on(w, gpu()), on(b, gpu()));
                if (!backward) {
                  expect_close(rc.output, rg.output, tolerance(dt), what + " output");
                  expect_close(rc.mean, rg.mean, tolerance(rc.mean.dtype()), what + " mean");
                  expect_close(rc.rstd, rg.rstd, tolerance(rc.rstd.dtype()).scaled(10), what + " rstd");
                  continue;
                }
                const LayerNormGrads gc = layer_norm_backward(g, x, {n}, rc.mean, rc.rstd, w, affine);
                const LayerNormGrads gg = layer_norm_backward(g.to(gpu()), x.to(gpu()), {n}, rc.mean.to(gpu()),
                                                              rc.rstd.to(gpu()), on(w, gpu()), affine);
                // Column sums over up to 36 rows: a little more room than one element.
                expect_close(gc.grad_input, gg.grad_input, tolerance(dt).scaled(4), what + " grad_input");
                if (affine) {
                  expect_close(gc.grad_weight, gg.grad_weight, tolerance(dt).scaled(4), what + " grad_weight");
                  expect_close(gc.grad_bias, gg.grad_bias, tolerance(dt).scaled(4), what + " grad_bias");
                }
              }
          }};
}

// Cross-entropy is checked at the kernel entries: the public op's mean reduction and its 16-bit
// results convert dtypes on the device, which the runtime's copy does not do yet.
OpCase cross_entropy_case(bool backward) {
  const std::string name = backward ? "cross_entropy_backward" : "cross_entropy";
  return {name, kFloats, [=](DType dt) {
            Generator gen(19);
            const DType acc = dt == DType::f64 ? DType::f64 : DType::f32;
            for (const Shape& nci : std::vector<Shape>{{1, 1, 1}, {7, 10, 1}, {5, 1000, 1}, {3, 6, 17}})
              for (double ls : {0.0, 0.1}) {
                const int64_t N = nci[0], C = nci[1], inner = nci[2];
                const Tensor z = mul(random_tensor(nci, dt, Dist::normal, gen), 4.0).to(dt);
                Tensor t = randint(0, C, {N, inner}, {DType::i64}, gen);
                t.data<int64_t>()[0] = -100;  // one ignored position
                const Tensor scale = random_tensor({N, inner}, acc, Dist::normal, gen);
                const std::string what = describe(name, dt, nci, "smoothing " + std::to_string(ls));
                auto run = [&](Device d) {
                  const KernelTable& k = kernels_for(d);
                  if (!backward) {
                    const Tensor loss = empty({N, inner}, {acc, d});
                    k.cross_entropy(loss, z.to(d), t.to(d), -100, ls);
                    return loss;
                  }
                  const Tensor grad = empty(nci, {dt, d});
                  k.cross_entropy_backward(grad, z.to(d), t.to(d), scale.to(d), -100, ls);
                  return grad;
                };
                expect_close(run(Device::cpu()), run(gpu()), tolerance(backward ? dt : acc).scaled(4), what);
              }
            if (dt == DType::f32 || dt == DType::f64) {  // the public op, where it needs no conversion
              const Tensor z = random_tensor({9, 5}, dt, Dist::normal, gen);
              const Tensor t = randint(0, 5, {9}, {DType::i64}, gen);
              expect_close(cross_entropy(z, t, Reduction::sum), cross_entropy(z.to(gpu()), t.to(gpu()), Reduction::sum),
                           tolerance(dt).scaled(4), "cross_entropy public sum");
            }
          }};
}

// ---- optimizers: three steps, so the moments and momentum buffers matter ----

OpCase sgd_case() {
  return {"sgd_step", kFloats, [](DType dt) {
            Generator gen(20);
            for (const auto& [momentum, nesterov, decay] :
                 std::vector<std::tuple<double, bool, double>>{{0, false, 0}, {0.9, false, 1e-2}, {0.9, true, 0}}) {
              const Tensor p0 = random_tensor({1001}, dt, Dist::normal, gen);
              std::vector<Tensor> grads;
              for (int s = 0; s < 3; ++s) grads.push_back(random_tensor({1001}, dt, Dist::normal, gen));
              auto run = [&](Device d) {
                const Tensor p = p0.to(d).clone(), buf = zeros({1001}, {dt, d});
                functors::SgdHyper h;
                h.lr = 0.1;
                h.momentum = momentum;
                h.nesterov = nesterov;
                h.weight_decay = decay;
                for (int s = 0; s < 3; ++s) {
                  h.first_step = s == 0;
                  sgd_step_(p, grads[static_cast<size_t>(s)].to(d), momentum != 0 ? buf : Tensor(), h);
                }
                return std::vector<Tensor>{p, buf};
              };
              const auto c = run(Device::cpu()), g = run(gpu());
              const std::string what = "sgd momentum " + std::to_string(momentum) + (nesterov ? " nesterov" : "");
              expect_close(c[0], g[0], tolerance(dt).scaled(2), what + " param");
              expect_close(c[1], g[1], tolerance(dt).scaled(2), what + " buffer");
            }
          }};
}

OpCase adam_case() {
  return {"adam_step", kFloats, [](DType dt) {
            Generator gen(21);
            for (const auto& [decay, decoupled] :
                 std::vector<std::pair<double, bool>>{{0, false}, {1e-2, false}, {1e-2, true}}) {
              const Tensor p0 = random_tensor({1001}, dt, Dist::normal, gen);
              std::vector<Tensor> grads;
              for (int s = 0; s < 3; ++s) grads.push_back(random_tensor({1001}, dt, Dist::normal, gen));
              auto run = [&](Device d) {
                const Tensor p = p0.to(d).clone(), m = zeros({1001}, {dt, d}), v = zeros({1001}, {dt, d});
                functors::AdamHyper h;
                h.weight_decay = decay;
                h.decoupled = decoupled;
                for (int s = 0; s < 3; ++s) {
                  h.step = s + 1;
                  adam_step_(p, grads[static_cast<size_t>(s)].to(d), m, v, h);
                }
                return std::vector<Tensor>{p, m, v};
              };
              const auto c = run(Device::cpu()), g = run(gpu());
              const std::string what = std::string(decoupled ? "adamw" : "adam") + " decay " + std::to_string(decay);
              expect_close(c[0], g[0], tolerance(dt).scaled(2), what + " param");
              expect_close(c[1], g[1], tolerance(dt).scaled(2), what + " exp_avg");
              expect_close(c[2], g[2], tolerance(dt).scaled(2), what + " exp_avg_sq");
            }
          }};
}

// ---- the registry ----

const std::vector<OpCase>& all_cases() {
  static const std::vector<OpCase> cases = [] {
    const std::vector<DType> signed_types = kFloatsInts;
    std::vector<OpCase> c;
    c.push_back(unary_case("neg", signed_types, [](const Tensor& x) { return neg(x); }));
    c.push_back(unary_case("abs", signed_types, [](const Tensor& x) { return abs(x); }));
    c.push_back(unary_case("relu", signed_types, [](const Tensor& x) { return relu(x); }));
    c.push_back(unary_case("clamp", signed_types, [](const Tensor& x) { return clamp(x, Scalar(-1), Scalar(2)); }));
    c.push_back(unary_case("exp", kFloats, [](const Tensor& x) { return exp(x); }));
    c.push_back(unary_case("log", kFloats, [](const Tensor& x) { return log(x); }, Dist::positive));
    c.push_back(unary_case("sqrt", kFloats, [](const Tensor& x) { return sqrt(x); }, Dist::positive));
    c.push_back(unary_case("rsqrt", kFloats, [](const Tensor& x) { return rsqrt(x); }, Dist::positive));
    c.push_back(unary_case("sin", kFloats, [](const Tensor& x) { return sin(x); }));
    c.push_back(unary_case("cos", kFloats, [](const Tensor& x) { return cos(x); }));
    c.push_back(unary_case("tanh", kFloats, [](const Tensor& x) { return tanh(x); }));
    c.push_back(unary_case("sigmoid", kFloats, [](const Tensor& x) { return sigmoid(x); }));
    c.push_back(unary_case("gelu_erf", kFloats, [](const Tensor& x) { return gelu(x); }));
    c.push_back(unary_case("gelu_tanh", kFloats, [](const Tensor& x) { return gelu(x, GeluApproximation::tanh); }));
    c.push_back(unary_case("silu", kFloats, [](const Tensor& x) { return silu(x); }));
    c.push_back(unary_case("erf", kFloats, [](const Tensor& x) { return erf(x); }));
    c.push_back(unary_case("logical_not", {DType::boolean, DType::f32, DType::i64},
                           [](const Tensor& x) { return logical_not(x); }));

    c.push_back(binary_case("add", signed_types, [](const Tensor& a, const Tensor& b) { return add(a, b); }));
    c.push_back(binary_case("sub", signed_types, [](const Tensor& a, const Tensor& b) { return sub(a, b); }));
    c.push_back(binary_case("mul", signed_types, [](const Tensor& a, const Tensor& b) { return mul(a, b); }));
    c.push_back(binary_case("div", kFloats, [](const Tensor& a, const Tensor& b) { return div(a, b); }));
    c.push_back(binary_case("pow", with(kFloats, {DType::i64}), [](const Tensor& a, const Tensor& b) { return pow(a, b); },
                            Dist::positive, Dist::normal));
    c.push_back(binary_case("maximum", signed_types, [](const Tensor& a, const Tensor& b) { return maximum(a, b); }));
    c.push_back(binary_case("minimum", signed_types, [](const Tensor& a, const Tensor& b) { return minimum(a, b); }));
    c.push_back(binary_case("relu_backward", kFloats,
                            [](const Tensor& g, const Tensor& s) { return relu_backward(g, s); }));
    c.push_back(binary_case("sigmoid_backward", kFloats,
                            [](const Tensor& g, const Tensor& y) { return sigmoid_backward(g, y); }));
    c.push_back(binary_case("tanh_backward", kFloats,
                            [](const Tensor& g, const Tensor& y) { return tanh_backward(g, y); }));
    c.push_back(binary_case("silu_backward", kFloats,
                            [](const Tensor& g, const Tensor& x) { return silu_backward(g, x); }));
    c.push_back(binary_case("gelu_erf_backward", kFloats,
                            [](const Tensor& g, const Tensor& x) { return gelu_backward(g, x); }));
    c.push_back(binary_case("gelu_tanh_backward", kFloats, [](const Tensor& g, const Tensor& x) {
      return gelu_backward(g, x, GeluApproximation::tanh);
    }));
    const std::vector<DType> comparable = with(kFloatsInts, {DType::boolean});
    c.push_back(binary_case("eq", comparable, [](const Tensor& a, const Tensor& b) { return eq(a, b); }));
    c.push_back(binary_case("ne", comparable, [](const Tensor& a, const Tensor& b) { return ne(a, b); }));
    c.push_back(binary_case("lt", comparable, [](const Tensor& a, const Tensor& b) { return lt(a, b); }));
    c.push_back(binary_case("le", comparable, [](const Tensor& a, const Tensor& b) { return le(a, b); }));
    c.push_back(binary_case("gt", comparable, [](const Tensor& a, const Tensor& b) { return gt(a, b); }));
    c.push_back(binary_case("ge", comparable, [](const Tensor& a, const Tensor& b) { return ge(a, b); }));
    const std::vector<DType> logical = {DType::boolean, DType::f32, DType::i64};
    c.push_back(binary_case("logical_and", logical, [](const Tensor& a, const Tensor& b) { return logical_and(a, b); }));
    c.push_back(binary_case("logical_or", logical, [](const Tensor& a, const Tensor& b) { return logical_or(a, b); }));
    c.push_back(binary_case("logical_xor", logical, [](const Tensor& a, const Tensor& b) { return logical_xor(a, b); }));
    c.push_back(where_case());

    using Dims = std::vector<int64_t>;
    c.push_back(reduce_case("sum", with(kFloatsInts, {DType::boolean}),
                            [](const Tensor& x, const Dims& d) { return sum(x, d); }));
    c.push_back(reduce_case("mean", kFloats, [](const Tensor& x, const Dims& d) { return mean(x, d); }));
    c.push_back(reduce_case("amax", kFloatsInts, [](const Tensor& x, const Dims& d) { return amax(x, d); }));
    c.push_back(reduce_case("amin", kFloatsInts, [](const Tensor& x, const Dims& d) { return amin(x, d); }));
    c.push_back(reduce_case("var", kFloats, [](const Tensor& x, const Dims& d) { return var(x, d); }));
    c.push_back(reduce_case("norm_2", kFloats, [](const Tensor& x, const Dims& d) { return norm(x, 2.0, d); }));
    c.push_back(reduce_case("norm_1", kFloats, [](const Tensor& x, const Dims& d) { return norm(x, 1.0, d); }));
    c.push_back(reduce_case("norm_inf", kFloats,
                            [](const Tensor& x, const Dims& d) { return norm(x, INFINITY, d); }));
    c.push_back(reduce_case("norm_3", kFloats, [](const Tensor& x, const Dims& d) { return norm(x, 3.0, d); }, 2));
    c.push_back(arg_case("argmax", true));
    c.push_back(arg_case("argmin", false));

    c.push_back(matmul_case());

    for (bool log : {false, true})
      for (bool backward : {false, true}) c.push_back(softmax_case(log, backward));
    c.push_back(layer_norm_case(false));
    c.push_back(layer_norm_case(true));
    c.push_back(cross_entropy_case(false));
    c.push_back(cross_entropy_case(true));

    c.push_back(sgd_case());
    c.push_back(adam_case());
    return c;
  }();
  return cases;
}

NIMBUS_PARITY_SUITE(OpsParity, Cuda, all_cases());

// ---- beyond parity ----

// Note [Deterministic CUDA reductions]: the same input reduces to the same bits every time.
TEST(CudaKernels, ReductionsAreDeterministic) {
  NIMBUS_REQUIRE_GPU();
  Generator gen(22);
  const Tensor x = randn({3, 1 << 20}, {DType::f32}, gen).to(gpu());
  const std::vector<float> first = sum(x, {1}).to_vector<float>();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(sum(x, {1}).to_vector<float>(), first);
  const std::vector<float> all_first = sum(x).to_vector<float>();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(sum(x).to_vector<float>(), all_first);
}

// An op whose kernel a device lacks fails with a message that names the op and the device: the
// CUDA table with one entry taken out stands for such a device, and is put back afterwards.
TEST(CudaKernels, MissingKernelsNameTheOpAndDevice) {
  NIMBUS_REQUIRE_GPU();
  const KernelTable full = kernels_for(gpu());
  const Tensor x = zeros({1, 1, 4, 4}, {DType::f32, gpu()});
  const Tensor w = zeros({1, 1, 3, 3}, {DType::f32, gpu()});
  std::string message;
  {
    // Puts the full table back however the block is left, so later tests see every kernel.
    struct Restore {
      const KernelTable& table;
      ~Restore() { register_kernels(DeviceType::cuda, table); }
    } restore{full};
    KernelTable without_conv = full;
    without_conv.conv2d = nullptr;
    register_kernels(DeviceType::cuda, without_conv);
    try {
      conv2d(x, w);
    } catch (const DeviceError& e) {
      message = e.what();
    }
  }
  EXPECT_NE(message.find("conv2d"), std::string::npos) << "got: " << message;
  EXPECT_NE(message.find("not implemented on cuda:0"), std::string::npos) << "got: " << message;
  EXPECT_NO_THROW(conv2d(x, w));  // the full table is back
}

// Work follows the current stream: a kernel on a side stream, then a read after synchronizing it.
TEST(CudaKernels, KernelsRunOnTheCurrentStream) {
  NIMBUS_REQUIRE_GPU();
  const Tensor x = arange(0, 1000, 1, {DType::f32}).to(gpu());
  const Stream s = new_stream(gpu());
  Tensor y;
  {
    StreamGuard guard(s);
    y = mul(x, x);
  }
  s.synchronize();
  const std::vector<float> v = y.to_vector<float>();
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(v[static_cast<size_t>(i)], float(i) * float(i));
}

// Note [cuBLAS workspace per stream] in kernels/cuda/cublas_gemm.h: one thread issues GEMMs to two
// streams in turn, without waiting in between, so with a shared workspace they would overlap on
// it. Each result must match the same product computed alone.
TEST(CudaKernels, GemmsOnTwoStreamsFromOneThreadMatchTheSerialResults) {
  NIMBUS_REQUIRE_GPU();
  Generator gen(29);
  constexpr int kProducts = 8;
  std::vector<Tensor> a, b, expected;
  for (int i = 0; i < kProducts; ++i) {
    a.push_back(random_tensor({384, 512}, DType::f32, Dist::normal, gen).to(gpu()));
    b.push_back(random_tensor({512, 640}, DType::f32, Dist::normal, gen).to(gpu()));
    expected.push_back(matmul(a.back(), b.back()));
  }
  const Stream streams[2] = {new_stream(gpu()), new_stream(gpu())};
  ASSERT_NE(streams[0], streams[1]) << "the device's pool handed out one stream twice";
  std::vector<Tensor> got(kProducts);
  default_stream(gpu()).synchronize();  // the inputs are ready before either stream reads them
  for (int i = 0; i < kProducts; ++i) {
    StreamGuard guard(streams[i % 2]);
    got[static_cast<size_t>(i)] = matmul(a[static_cast<size_t>(i)], b[static_cast<size_t>(i)]);
  }
  for (const Stream& s : streams) s.synchronize();
  for (int i = 0; i < kProducts; ++i)
    expect_close(expected[static_cast<size_t>(i)].to(Device::cpu()), got[static_cast<size_t>(i)], tolerance(DType::f32),
                 "product " + std::to_string(i) + " on stream " + std::to_string(i % 2) + " against it alone");
}

}  // namespace
}  // namespace nimbus::gpu_parity
