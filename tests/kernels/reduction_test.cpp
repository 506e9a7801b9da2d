// Reductions, arg-reductions and cumsum against scalar float64 references written here, over
// dtypes, dim sets, keepdim, layouts (contiguous, padded, transposed, broadcast), empty and size-1
// dims, 0-d tensors, sizes large enough for the parallel paths, determinism and error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>

#include "kernels/ops.h"
#include "reference.h"

namespace nimbus {
namespace {

using testing::expect_error;
using testing::non_contiguous;
using testing::random_tensor;
using testing::tolerance;
using testing::unravel;
using testing::values;

using Dims = std::vector<int64_t>;
using Group = std::vector<double>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- references ----

std::vector<bool> reduced_mask(const Dims& dims, int64_t ndim) {
  if (ndim == 0) return {};  // a 0-d tensor accepts dim 0 / -1 and has no dims to reduce
  std::vector<bool> mask(static_cast<size_t>(ndim), dims.empty());
  for (int64_t d : dims) mask[static_cast<size_t>(d < 0 ? d + ndim : d)] = true;
  return mask;
}

Shape result_shape(const Shape& shape, const std::vector<bool>& mask, bool keepdim) {
  Shape out;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (!mask[d]) out.push_back(shape[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

// The values of x grouped by output element (row-major over the kept dims), in input order.
std::vector<Group> group_values(const Tensor& x, const std::vector<bool>& mask) {
  int64_t outputs = 1;
  for (size_t d = 0; d < mask.size(); ++d)
    if (!mask[d]) outputs *= x.size(static_cast<int64_t>(d));
  std::vector<Group> groups(static_cast<size_t>(outputs));
  const std::vector<double> v = values(x);
  for (size_t i = 0; i < v.size(); ++i) {
    const auto index = unravel(static_cast<int64_t>(i), x.shape());
    int64_t k = 0;
    for (size_t d = 0; d < mask.size(); ++d)
      if (!mask[d]) k = k * x.size(static_cast<int64_t>(d)) + index[d];
    groups[static_cast<size_t>(k)].push_back(v[i]);
  }
  return groups;
}

double ref_sum(const Group& g) {
  double s = 0;
  for (double v : g) s += v;
  return s;
}
double ref_abs_sum(const Group& g) {
  double s = 0;
  for (double v : g) s += std::fabs(v);
  return s;
}
double ref_mean(const Group& g) { return g.empty() ? kNaN : ref_sum(g) / static_cast<double>(g.size()); }
double ref_extreme(const Group& g, bool is_max) {
  double r = g.at(0);
  for (double v : g) {
    if (std::isnan(v)) return kNaN;
    r = is_max ? std::max(r, v) : std::min(r, v);
  }
  return r;
}
double ref_var(const Group& g, int64_t correction) {
  const double m = ref_mean(g);
  double ss = 0;
  for (double v : g) ss += (v - m) * (v - m);
  return ss / std::max(0.0, static_cast<double>(g.size()) - static_cast<double>(correction));
}
double ref_norm(const Group& g, double p) {
  double r = p == -kInf ? kInf : 0.0;
  for (double v : g) {
    const double a = std::fabs(v);
    if (std::isnan(a)) return kNaN;
    if (p == kInf) r = std::max(r, a);
    else if (p == -kInf) r = std::min(r, a);
    else if (p == 0) r += a != 0 ? 1 : 0;
    else r += std::pow(a, p);
  }
  return (std::isinf(p) || p == 0) ? r : std::pow(r, 1 / p);
}
// First index of the max (min); a NaN beats everything and the first NaN wins.
double ref_arg(const Group& g, bool is_max) {
  size_t best = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(g[i])) return static_cast<double>(i);
    if (is_max ? g[i] > g[best] : g[i] < g[best]) best = i;
  }
  return static_cast<double>(best);
}

// Expects y to have `shape` and |y - expected| <= bound elementwise (NaN matches NaN).
void expect_within(const Tensor& y, const Shape& shape, const std::vector<double>& expected,
                   const std::vector<double>& bound) {
  ASSERT_EQ(y.shape(), shape);
  const std::vector<double> got = values(y);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(expected[i])) EXPECT_TRUE(std::isnan(got[i])) << "element " << i << ": got " << got[i];
    else if (std::isinf(expected[i])) EXPECT_EQ(got[i], expected[i]) << "element " << i;
    else EXPECT_NEAR(got[i], expected[i], bound[i]) << "element " << i;
  }
}

// ---- inputs ----

Tensor make_input(const Shape& shape, DType dtype, uint32_t seed, int layout) {
  const double lo = dtype == DType::u8 ? 0 : is_floating(dtype) ? -2 : -4, hi = is_floating(dtype) ? 2 : 4;
  if (shape.empty()) return random_tensor({1}, dtype, seed, lo, hi).view({});  // random_tensor({}) is 1-d
  switch (layout) {
    case 1: return non_contiguous(random_tensor(shape, dtype, seed, lo, hi));
    case 2: {  // the same shape with reversed (transposed) strides
      const Shape reversed(shape.rbegin(), shape.rend());
      Dims order;
      for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) order.push_back(d);
      return random_tensor(reversed, dtype, seed, lo, hi).permute(order);
    }
    case 3: {  // dim 0 broadcast (stride 0)
      if (shape.empty() || shape[0] == 0) return random_tensor(shape, dtype, seed, lo, hi);
      Shape one = shape;
      one[0] = 1;
      return random_tensor(one, dtype, seed, lo, hi).expand(shape);
    }
    default: return random_tensor(shape, dtype, seed, lo, hi);
  }
}

const std::vector<Shape>& test_shapes() {
  static const std::vector<Shape> kShapes = {{2, 3, 4}, {5, 37}, {70}, {3, 0, 2}, {1, 5, 1}, {}, {2, 1, 3, 2}};
  return kShapes;
}

std::vector<Dims> dim_sets(int64_t ndim) {
  std::vector<Dims> sets = {{}};
  if (ndim == 0) return {{}, {0}, {-1}};
  for (int64_t d = 0; d < ndim; ++d) sets.push_back({d});
  sets.push_back({-1});
  if (ndim >= 2) sets.push_back({0, ndim - 1});
  if (ndim >= 3) sets.push_back({-1, -2, 0});
  if (ndim >= 3) sets.push_back({1, 1, -1});  // duplicates count once
  return sets;
}

std::string describe(const char* op, DType dtype, const Tensor& x, const Dims& dims, bool keepdim) {
  std::string s = std::string(op) + " " + std::string(dtype_name(dtype)) + " " + shape_str(x.shape()) + " strides " +
                  shape_str(x.strides()) + " dims [";
  for (int64_t d : dims) s += std::to_string(d) + " ";
  return s + "] keepdim " + std::to_string(keepdim);
}

// ---- the reductions over everything ----

enum class Bound { sum, mean, var, std, relative, exact };

struct ReduceCase {
  const char* name;
  std::function<Tensor(const Tensor&, const Dims&, bool)> op;
  std::function<double(const Group&)> reference;
  bool floats_only, needs_elements;
  Bound bound;
};

const std::vector<ReduceCase>& reduce_cases() {
  static const std::vector<ReduceCase> kCases = {
      {"sum", [](const Tensor& x, const Dims& d, bool k) { return sum(x, d, k); }, ref_sum, false, false, Bound::sum},
      {"mean", [](const Tensor& x, const Dims& d, bool k) { return mean(x, d, k); }, ref_mean, true, false, Bound::mean},
      {"amax", [](const Tensor& x, const Dims& d, bool k) { return amax(x, d, k); },
       [](const Group& g) { return ref_extreme(g, true); }, false, true, Bound::exact},
      {"amin", [](const Tensor& x, const Dims& d, bool k) { return amin(x, d, k); },
       [](const Group& g) { return ref_extreme(g, false); }, false, true, Bound::exact},
      {"var", [](const Tensor& x, const Dims& d, bool k) { return var(x, d, 1, k); },
       [](const Group& g) { return ref_var(g, 1); }, true, false, Bound::var},
      {"var(correction=0)", [](const Tensor& x, const Dims& d, bool k) { return var(x, d, 0, k); },
       [](const Group& g) { return ref_var(g, 0); }, true, false, Bound::var},
      {"std", [](const Tensor& x, const Dims& d, bool k) { return nimbus::std(x, d, 1, k); },
       [](const Group& g) { return std::sqrt(ref_var(g, 1)); }, true, false, Bound::std},
  };
  return kCases;
}

// Error of a double accumulation (kernel or reference), relative to sum |x|.
constexpr double kAccumulation = 1e-12;

std::vector<double> bounds(Bound kind, DType dtype, const std::vector<Group>& groups, const std::vector<double>& ref) {
  const double tol = tolerance(dtype);
  std::vector<double> b(ref.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    // Sums accumulate in double, so what remains is one rounding of the result to the dtype.
    const double n = static_cast<double>(groups[i].size());
    if (kind == Bound::sum) b[i] = tol * std::fabs(ref[i]) + kAccumulation * ref_abs_sum(groups[i]);
    else if (kind == Bound::mean) b[i] = tol * std::fabs(ref[i]) + kAccumulation * ref_abs_sum(groups[i]) / n;
    else if (kind == Bound::relative) b[i] = 3 * tol * std::fabs(ref[i]);
    else if (kind == Bound::var || kind == Bound::std) {
      // The rounding of the mean leaves an error of about kAccumulation * mean(x^2) (visible when
      // the variance is 0); std is its square root.
      double squares = 0;
      for (double v : groups[i]) squares += v * v;
      const double floor = kAccumulation * squares / std::max(n, 1.0);
      b[i] = 3 * tol * std::fabs(ref[i]) + (kind == Bound::var ? floor : std::sqrt(floor));
    }
    else b[i] = 0;
  }
  return b;
}

void check_reduction(const ReduceCase& c, const Tensor& x, const Dims& dims, bool keepdim,
                     const std::vector<Group>* grouped = nullptr) {
  const std::vector<bool> mask = reduced_mask(dims, x.dim());
  const std::vector<Group> groups = grouped ? *grouped : group_values(x, mask);
  SCOPED_TRACE(describe(c.name, x.dtype(), x, dims, keepdim));
  const Tensor y = c.op(x, dims, keepdim);
  const bool integral_sum = c.bound == Bound::sum && !is_floating(x.dtype());
  EXPECT_EQ(y.dtype(), integral_sum ? DType::i64 : x.dtype());
  std::vector<double> ref;
  for (const Group& g : groups) ref.push_back(c.reference(g));
  expect_within(y, result_shape(x.shape(), mask, keepdim), ref, bounds(c.bound, x.dtype(), groups, ref));
}

TEST(Reductions, MatchReferenceOverDtypesDimsKeepdimAndLayouts) {
  for (const ReduceCase& c : reduce_cases()) {
    for (DType dtype : testing::all_dtypes()) {
      if (c.floats_only && !is_floating(dtype)) continue;
      for (const Shape& shape : test_shapes()) {
        for (int layout = 0; layout < 4; ++layout) {
          const Tensor x = make_input(shape, dtype, 11 + layout, layout);
          for (const Dims& dims : dim_sets(x.dim())) {
            const std::vector<bool> mask = reduced_mask(dims, x.dim());
            bool empty_group = false;
            for (size_t d = 0; d < mask.size(); ++d) empty_group = empty_group || (mask[d] && x.size(static_cast<int64_t>(d)) == 0);
            if (c.needs_elements && empty_group) continue;  // an error, tested below
            for (bool keepdim : {false, true}) check_reduction(c, x, dims, keepdim);
          }
        }
      }
    }
  }
}

TEST(ReduceNorm, MatchesReferenceForEveryP) {
  for (double p : {2.0, 1.0, 0.0, 3.0, 0.5, -1.5, kInf, -kInf}) {
    for (DType dtype : testing::float_dtypes()) {
      for (int layout = 0; layout < 3; ++layout) {
        Tensor x = make_input({4, 37}, dtype, 5, layout);
        x = where(gt(abs(x), from_vector<float>({1.5f})), zeros_like(x), x);  // some zeros for p = 0
        for (const Dims& dims : {Dims{}, Dims{0}, Dims{-1}}) {
          for (bool keepdim : {false, true}) {
            const ReduceCase c{"norm", [p](const Tensor& t, const Dims& d, bool k) { return norm(t, p, d, k); },
                               [p](const Group& g) { return ref_norm(g, p); }, true, true, Bound::relative};
            check_reduction(c, x, dims, keepdim);
          }
        }
      }
    }
  }
  // Zero elements: p >= 0 gives 0, p < 0 and p = inf have no identity.
  EXPECT_EQ(norm(zeros({0, 3}), 2.0, {0}).to_vector<double>(), std::vector<double>({0, 0, 0}));
  EXPECT_THROW(norm(zeros({0, 3}), kInf, {0}), ShapeError);
}

TEST(ReduceSum, ResultDtypesEmptyAndZeroDimTensors) {
  EXPECT_EQ(sum(from_vector<int32_t>({1, 2})).dtype(), DType::i64);
  EXPECT_EQ(sum(from_vector<bool>({true, true, false})).item<int64_t>(), 2);
  EXPECT_EQ(sum(from_vector<uint8_t>({200, 100})).item<int64_t>(), 300);  // no u8 wrap-around
  EXPECT_EQ(sum(random_tensor({3}, DType::f16, 1)).dtype(), DType::f16);
  EXPECT_EQ(sum(zeros({0})).item<double>(), 0.0);
  EXPECT_TRUE(std::isnan(mean(zeros({0})).item<double>()));
  const Tensor s = scalar_tensor(2.5);
  for (const Dims& dims : {Dims{}, Dims{0}, Dims{-1}}) {
    EXPECT_EQ(sum(s, dims).shape(), Shape{});
    EXPECT_EQ(sum(s, dims, true).shape(), Shape{});
    EXPECT_EQ(amax(s, dims).item<double>(), 2.5);
  }
  EXPECT_TRUE(std::isnan(var(s).item<double>()));  // one element, correction 1
  EXPECT_EQ(var(s, {}, 0).item<double>(), 0.0);
}

TEST(ReduceSum, FloatsAccumulateInDouble) {
  // In f32, 1e8 + 1 rounds back to 1e8; a double accumulator keeps every 1 exactly.
  for (int64_t ones : {1, 100}) {  // a short run, and one long enough for the interleaved lanes
    std::vector<float> v(static_cast<size_t>(ones + 2), 1.0f);
    v.front() = 1e8f;
    v.back() = -1e8f;
    const Tensor x = from_vector(v);
    EXPECT_EQ(sum(x).item<double>(), static_cast<double>(ones));
    EXPECT_EQ(cumsum(x, 0).to_vector<double>().back(), static_cast<double>(ones));
    const Tensor columns = x.unsqueeze(1).expand({ones + 2, 2}).contiguous();  // the column path
    EXPECT_EQ(sum(columns, {0}).to_vector<double>(), std::vector<double>(2, static_cast<double>(ones)));
  }
}

TEST(ReduceVar, TooFewElementsGiveNanOrInfAsPyTorch) {
  const Tensor x = from_vector<double>({1, 3});
  EXPECT_EQ(var(x).item<double>(), 2.0);
  EXPECT_EQ(var(x, {}, 2).item<double>(), kInf);  // divisor max(0, N - correction) = 0
  EXPECT_EQ(var(x, {}, 3).item<double>(), kInf);
  EXPECT_TRUE(std::isnan(var(from_vector<double>({4}), {}).item<double>()));
  EXPECT_TRUE(std::isnan(var(from_vector<double>({4, 4}), {}, 5).item<double>()));
  EXPECT_NEAR(nimbus::std(x).item<double>(), std::sqrt(2.0), 1e-15);
}

TEST(ReduceMinMax, NaNPropagates) {
  const Tensor x = from_vector<float>({1, NAN, 5, -2, 7, 3}, {2, 3});
  testing::expect_values(amax(x, {1}), {2}, {kNaN, 7}, 0);
  testing::expect_values(amin(x, {0}), {3}, {-2, kNaN, 3}, 0);
  testing::expect_values(amax(x), {}, {kNaN}, 0);
  testing::expect_values(sum(x, {0}), {3}, {-1, kNaN, 8}, 0);
}

// ---- argmax / argmin ----

void check_arg(bool is_max, const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  const Dims dims = dim ? Dims{*dim} : Dims{};
  const Tensor flat = x.reshape({-1});
  const std::vector<bool> mask = dim ? reduced_mask(dims, x.dim()) : std::vector<bool>(x.dim(), true);
  const std::vector<Group> groups = dim ? group_values(x, mask) : group_values(flat, {true});
  SCOPED_TRACE(describe(is_max ? "argmax" : "argmin", x.dtype(), x, dims, keepdim));
  const Tensor y = is_max ? argmax(x, dim, keepdim) : argmin(x, dim, keepdim);
  EXPECT_EQ(y.dtype(), DType::i64);
  std::vector<double> ref;
  for (const Group& g : groups) ref.push_back(ref_arg(g, is_max));
  expect_within(y, result_shape(x.shape(), mask, keepdim), ref, std::vector<double>(ref.size(), 0.0));
}

TEST(ReduceArg, MatchesReferenceWithTiesOverDtypesDimsAndLayouts) {
  for (DType dtype : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64, DType::u8}) {
    for (const Shape& shape : {Shape{2, 3, 4}, Shape{5, 37}, Shape{70}, Shape{1, 5, 1}, Shape{3, 0, 2}, Shape{}}) {
      for (int layout = 0; layout < 4; ++layout) {
        // Few distinct values, so ties are common and the first one must win.
        const Tensor x = make_input(shape, dtype, 3 + layout, layout);
        const Tensor xr = is_floating(dtype) ? where(gt(x, from_vector<float>({0.5f})), ones_like(x), x) : x;
        for (bool is_max : {true, false}) {
          for (bool keepdim : {false, true}) {
            if (xr.numel() > 0) check_arg(is_max, xr, std::nullopt, keepdim);
            for (int64_t d = -std::max<int64_t>(xr.dim(), 1); d < std::max<int64_t>(xr.dim(), 1); ++d)
              if (xr.dim() == 0 || xr.size(d) > 0) check_arg(is_max, xr, d, keepdim);
          }
        }
      }
    }
  }
}

TEST(ReduceArg, NaNIsTheMaximumAndTheMinimum) {
  const Tensor x = from_vector<float>({1, NAN, 5, NAN, 7, 3}, {2, 3});
  EXPECT_EQ(argmax(x).item<int64_t>(), 1);
  EXPECT_EQ(argmin(x).item<int64_t>(), 1);
  EXPECT_EQ(argmax(x, 1).to_vector<int64_t>(), std::vector<int64_t>({1, 0}));
  EXPECT_EQ(argmin(x, 0).to_vector<int64_t>(), std::vector<int64_t>({1, 0, 1}));
  EXPECT_EQ(argmax(x, std::nullopt, true).shape(), Shape({1, 1}));
  EXPECT_EQ(argmax(scalar_tensor(3.0)).item<int64_t>(), 0);
  EXPECT_EQ(argmin(scalar_tensor(3.0), 0, true).shape(), Shape{});
}

// ---- cumsum ----

void check_cumsum(const Tensor& x, int64_t dim) {
  SCOPED_TRACE(describe("cumsum", x.dtype(), x, {dim}, false));
  const Tensor y = cumsum(x, dim);
  EXPECT_EQ(y.dtype(), is_floating(x.dtype()) ? x.dtype() : DType::i64);
  const std::vector<double> v = values(x);
  std::vector<double> ref(v.size()), abs_prefix(v.size());
  const int64_t d = x.dim() == 0 ? 0 : (dim < 0 ? dim + x.dim() : dim);
  int64_t step = 1;  // row-major distance between neighbours along d
  for (int64_t e = x.dim() - 1; e > d; --e) step *= x.size(e);
  for (size_t i = 0; i < v.size(); ++i) {
    const bool first = x.dim() == 0 || unravel(static_cast<int64_t>(i), x.shape())[d] == 0;
    ref[i] = v[i] + (first ? 0 : ref[i - step]);
    abs_prefix[i] = std::fabs(v[i]) + (first ? 0 : abs_prefix[i - step]);
  }
  std::vector<double> b(v.size());
  for (size_t i = 0; i < v.size(); ++i) b[i] = tolerance(x.dtype()) * std::fabs(ref[i]) + kAccumulation * abs_prefix[i];
  expect_within(y, x.shape(), ref, b);
}

TEST(ReduceCumsum, MatchesReferenceOverDtypesDimsAndLayouts) {
  for (DType dtype : testing::all_dtypes()) {
    for (const Shape& shape : test_shapes()) {
      for (int layout = 0; layout < 4; ++layout) {
        const Tensor x = make_input(shape, dtype, 21 + layout, layout);
        for (int64_t d = -std::max<int64_t>(x.dim(), 1); d < std::max<int64_t>(x.dim(), 1); ++d) check_cumsum(x, d);
      }
    }
  }
}

// ---- large inputs: the parallel and fast paths ----

TEST(ReduceFastPaths, LargeRowColumnFullAndStridedReductionsMatchReference) {
  struct Case {
    Shape shape;
    Dims dims;
    int layout;
  };
  const Case cases[] = {
      {{2048, 96}, {0}, 0},      // columns, few column blocks: row pieces in parallel
      {{1024, 600}, {0}, 0},     // columns, blocks of columns in parallel
      {{100000, 3}, {0}, 0},     // three long columns
      {{4, 100000}, {1}, 0},     // long contiguous rows
      {{300000}, {}, 0},         // full reduction in pieces
      {{300, 400}, {}, 1},       // full strided reduction in pieces
      {{600, 400}, {0}, 2},      // transposed: reduced dim contiguous
      {{64, 40, 50}, {0, 2}, 0}, // reduced dims around a kept one
      {{200, 3000}, {1}, 3},     // broadcast rows
      {{130, 5000}, {0}, 0},     // wide columns: blocks of columns, four rows per pass
  };
  for (const Case& c : cases) {
    for (DType dtype : {DType::f32, DType::f64, DType::f16, DType::bf16}) {
      const Tensor x = make_input(c.shape, dtype, 99, c.layout);
      const std::vector<Group> groups = group_values(x, reduced_mask(c.dims, x.dim()));
      for (const ReduceCase& rc : reduce_cases()) check_reduction(rc, x, c.dims, false, &groups);
    }
    check_reduction(reduce_cases()[0], make_input(c.shape, DType::i32, 98, c.layout), c.dims, true);
  }
}

TEST(ReduceFastPaths, LargeArgReductionsAndCumsumsMatchReference) {
  // Integer-valued floats: the maximum and minimum occur many times, across piece boundaries.
  const Tensor line = random_tensor({200000}, DType::i32, 4, 0, 1000).to(DType::f32);
  for (bool is_max : {true, false}) {
    check_arg(is_max, line, std::nullopt, false);
    check_arg(is_max, line.reshape({50000, 4}), 0, false);
    check_arg(is_max, line.reshape({500, 400}), 0, true);
    check_arg(is_max, line.reshape({4, 50000}), 1, false);
  }
  Tensor with_nan = line.clone();
  with_nan.slice(0, 150001, 150002).fill_(NAN);
  with_nan.slice(0, 170000, 170001).fill_(NAN);
  EXPECT_EQ(argmax(with_nan).item<int64_t>(), 150001);
  EXPECT_EQ(argmin(with_nan).item<int64_t>(), 150001);

  const Tensor x = random_tensor({100000}, DType::f32, 6);
  check_cumsum(x, 0);
  check_cumsum(random_tensor({100000}, DType::i32, 7, -50, 50), 0);
  check_cumsum(random_tensor({3, 70000}, DType::f64, 8), 1);
  check_cumsum(random_tensor({40000, 20}, DType::f32, 9), 0);
  // Every path computes the same pieces and carries, so the results are bit-identical.
  const std::vector<float> expected = cumsum(x, 0).to_vector<float>();
  EXPECT_EQ(cumsum(non_contiguous(x), 0).to_vector<float>(), expected);
  const Tensor columns = cumsum(x.unsqueeze(1).expand({100000, 20}).contiguous(), 0);
  EXPECT_EQ(columns.select(1, 13).to_vector<float>(), expected);
}

TEST(ReduceDeterminism, RepeatedRunsAreBitIdentical) {
  const Tensor x = random_tensor({1 << 22}, DType::f32, 12);
  const Tensor m = x.view({1 << 15, 128});
  const std::vector<std::function<Tensor()>> runs = {
      [&] { return sum(x); },       [&] { return var(x); },          [&] { return norm(x, 3.0); },
      [&] { return sum(m, {0}); },  [&] { return mean(m.t(), {1}); }, [&] { return sum(non_contiguous(m)); },
      [&] { return cumsum(x, 0); },
  };
  for (size_t i = 0; i < runs.size(); ++i) {
    const Tensor a = runs[i](), b = runs[i]();
    ASSERT_EQ(a.numel(), b.numel());
    EXPECT_EQ(std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.numel() * a.element_size()), 0)
        << "run " << i;
  }
}

// ---- errors ----

TEST(ReduceErrors, MessagesNameTheOpTheShapeAndTheValue) {
  const Tensor x = zeros({2, 3});
  expect_error<ShapeError>([&] { sum(x, {2}); }, {"sum", "dim 2", "2-d"});
  expect_error<ShapeError>([&] { amax(x, {-3}); }, {"amax", "dim -3"});
  expect_error<DTypeError>([&] { mean(zeros({2}, DType::i32)); }, {"mean", "i32", "[2]"});
  expect_error<DTypeError>([&] { var(zeros({2}, DType::i64)); }, {"var", "i64"});
  expect_error<DTypeError>([&] { norm(zeros({2}, DType::u8)); }, {"norm", "u8"});
  expect_error<ShapeError>([&] { argmax(zeros({0, 3})); }, {"argmax", "empty", "[0, 3]"});
  expect_error<ShapeError>([&] { argmin(zeros({2, 0}), 1); }, {"argmin", "dim 1", "[2, 0]"});
  expect_error<ShapeError>([&] { amin(zeros({2, 0}), {1}); }, {"amin", "size 0", "[2, 0]"});
  expect_error<DTypeError>([&] { argmax(zeros({2}, DType::boolean)); }, {"argmax", "bool"});
  expect_error<ShapeError>([&] { cumsum(x, 2); }, {"cumsum", "dim 2"});
  // Reducing over a non-empty dim of a tensor with an empty kept dim is fine.
  EXPECT_EQ(amax(zeros({0, 3}), {1}).shape(), Shape{0});
  EXPECT_EQ(argmax(zeros({0, 3}), 1).shape(), Shape{0});
}

}  // namespace
}  // namespace nimbus
