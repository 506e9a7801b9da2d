// Elementwise ops against scalar float64 references, over dtypes, broadcast shapes, strided inputs,
// empty and size-1 dims.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/ops.h"
#include "reference.h"

namespace nimbus {
namespace {

using testing::broadcast_position;
using testing::expect_values;
using testing::random_tensor;
using testing::tolerance;
using testing::unravel;
using testing::values;

struct UnaryCase {
  const char* name;
  Tensor (*op)(const Tensor&);
  double (*reference)(double);
  double lo, hi;  // input range where the function is defined
};

double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double ref_relu(double x) { return x < 0 ? 0.0 : x; }
double ref_gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
double ref_silu(double x) { return x / (1.0 + std::exp(-x)); }
double ref_rsqrt(double x) { return 1.0 / std::sqrt(x); }
double ref_neg(double x) { return -x; }
Tensor gelu_exact(const Tensor& x) { return gelu(x); }

const UnaryCase kUnaryCases[] = {
    {"neg", neg, ref_neg, -3, 3},
    {"abs", abs, [](double x) { return std::abs(x); }, -3, 3},
    {"exp", exp, [](double x) { return std::exp(x); }, -3, 3},
    {"log", log, [](double x) { return std::log(x); }, 0.1, 5},
    {"sqrt", sqrt, [](double x) { return std::sqrt(x); }, 0, 5},
    {"rsqrt", rsqrt, ref_rsqrt, 0.1, 5},
    {"sin", sin, [](double x) { return std::sin(x); }, -3, 3},
    {"cos", cos, [](double x) { return std::cos(x); }, -3, 3},
    {"tanh", tanh, [](double x) { return std::tanh(x); }, -3, 3},
    {"sigmoid", sigmoid, ref_sigmoid, -6, 6},
    {"relu", relu, ref_relu, -3, 3},
    {"gelu", gelu_exact, ref_gelu, -4, 4},
    {"silu", silu, ref_silu, -4, 4},
    {"erf", erf, [](double x) { return std::erf(x); }, -3, 3},
};

TEST(Unary, MatchesReferenceForFloatDtypesAndLayouts) {
  for (const UnaryCase& c : kUnaryCases) {
    for (DType dtype : testing::float_dtypes()) {
      for (bool strided : {false, true}) {
        Tensor x = random_tensor({3, 17}, dtype, 7, c.lo, c.hi);
        if (strided) x = testing::non_contiguous(x);
        const Tensor y = c.op(x);
        EXPECT_EQ(y.dtype(), dtype) << c.name;
        std::vector<double> expected;
        for (double v : values(x)) expected.push_back(c.reference(v));
        SCOPED_TRACE(std::string(c.name) + " " + std::string(dtype_name(dtype)) + (strided ? " strided" : ""));
        // One rounding of the result, plus the function's own error in the 16-bit cases.
        expect_values(y, {3, 17}, expected, 4 * tolerance(dtype), 4 * tolerance(dtype));
      }
    }
  }
}

TEST(Unary, MathFunctionsPromoteIntegersToFloat) {
  const Tensor x = from_vector<int32_t>({0, 1, 4});
  const Tensor y = sqrt(x);
  EXPECT_EQ(y.dtype(), DType::f32);
  expect_values(y, {3}, {0, 1, 2}, 0);
  EXPECT_EQ(relu(from_vector<int64_t>({-2, 3})).dtype(), DType::i64);
  expect_values(abs(from_vector<int32_t>({-5, 5})), {2}, {5, 5}, 0);
}

TEST(Unary, GeluTanhApproximation) {
  const Tensor x = random_tensor({64}, DType::f64, 3, -4, 4);
  std::vector<double> expected;
  for (double v : values(x))
    expected.push_back(0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))));
  expect_values(gelu(x, GeluApproximation::tanh), {64}, expected, 1e-12, 1e-12);
}

TEST(Unary, ClampWithOneOrTwoBoundsKeepsDtype) {
  const Tensor x = from_vector<double>({-3, -1, 0, 2, 5, NAN});
  expect_values(clamp(x, -1.5, 2.5), {6}, {-1.5, -1, 0, 2, 2.5, NAN}, 0);
  expect_values(clamp(x, std::nullopt, 1), {6}, {-3, -1, 0, 1, 1, NAN}, 0);
  const Tensor xi = from_vector<int32_t>({-3, 7});
  const Tensor yi = clamp(xi, 0, 5);
  EXPECT_EQ(yi.dtype(), DType::i32);
  expect_values(yi, {2}, {0, 5}, 0);
  EXPECT_THROW(clamp(x, std::nullopt, std::nullopt), Error);
}

TEST(Unary, ReluKeepsNaNAndLogicalNotGivesBool) {
  expect_values(relu(from_vector<float>({NAN, -1, 2})), {3}, {NAN, 0, 2}, 0);
  const Tensor b = logical_not(from_vector<float>({0, 2, -1}));
  EXPECT_EQ(b.dtype(), DType::boolean);
  expect_values(b, {3}, {1, 0, 0}, 0);
  EXPECT_THROW(neg(from_vector<bool>({true})), DTypeError);
}

// Reference for a binary op over NumPy-broadcast shapes.
std::vector<double> binary_reference(const Tensor& a, const Tensor& b, const Shape& out_shape,
                                     const std::function<double(double, double)>& f) {
  const std::vector<double> va = values(a), vb = values(b);
  std::vector<double> out(static_cast<size_t>(shape_numel(out_shape)));
  for (size_t i = 0; i < out.size(); ++i) {
    const auto index = unravel(static_cast<int64_t>(i), out_shape);
    out[i] = f(va[broadcast_position(index, a.shape())], vb[broadcast_position(index, b.shape())]);
  }
  return out;
}

struct ShapePair {
  Shape a, b, out;
};
const ShapePair kBroadcastShapes[] = {
    {{4, 5}, {4, 5}, {4, 5}},       {{4, 5}, {5}, {4, 5}},           {{4, 1}, {1, 5}, {4, 5}},
    {{2, 3, 4}, {3, 1}, {2, 3, 4}}, {{}, {3, 2}, {3, 2}},             {{1}, {7}, {7}},
    {{0, 3}, {3}, {0, 3}},          {{2, 1, 3}, {2, 4, 1}, {2, 4, 3}}, {{5, 0}, {1, 1}, {5, 0}},
};

TEST(Binary, ArithmeticBroadcastsOverShapesDtypesAndLayouts) {
  struct Case {
    const char* name;
    Tensor (*op)(const Tensor&, const Tensor&);
    std::function<double(double, double)> reference;
  };
  const Case cases[] = {
      {"add", add, [](double x, double y) { return x + y; }},
      {"sub", sub, [](double x, double y) { return x - y; }},
      {"mul", mul, [](double x, double y) { return x * y; }},
      {"maximum", maximum, [](double x, double y) { return std::max(x, y); }},
      {"minimum", minimum, [](double x, double y) { return std::min(x, y); }},
  };
  for (const Case& c : cases) {
    for (DType dtype : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64}) {
      for (const ShapePair& s : kBroadcastShapes) {
        for (bool strided : {false, true}) {
          Tensor a = random_tensor(s.a, dtype, 1, -9, 9), b = random_tensor(s.b, dtype, 2, -9, 9);
          if (strided) {
            a = testing::non_contiguous(a);
            b = testing::non_contiguous(b);
          }
          const Tensor out = c.op(a, b);
          SCOPED_TRACE(std::string(c.name) + " " + std::string(dtype_name(dtype)) + " " + shape_str(s.a) + " " +
                       shape_str(s.b) + (strided ? " strided" : ""));
          EXPECT_EQ(out.dtype(), dtype);
          expect_values(out, s.out, binary_reference(a, b, s.out, c.reference), tolerance(dtype));
        }
      }
    }
  }
}

TEST(Binary, DivisionIsTrueDivisionAndPowMatches) {
  const Tensor a = from_vector<int32_t>({7, -7, 1}), b = from_vector<int32_t>({2, 2, 0});
  const Tensor q = div(a, b);
  EXPECT_EQ(q.dtype(), DType::f32);
  expect_values(q, {3}, {3.5, -3.5, INFINITY}, 0);
  const Tensor x = random_tensor({3, 4}, DType::f64, 5, 0.1, 3), y = random_tensor({4}, DType::f64, 6, -2, 2);
  expect_values(pow(x, y), {3, 4}, binary_reference(x, y, {3, 4}, [](double u, double v) { return std::pow(u, v); }),
                1e-12);
  // Integer powers by repeated squaring; negative exponents as PyTorch (0 except for |base| = 1).
  expect_values(pow(from_vector<int64_t>({3, 2, -1, 1, 5}), from_vector<int64_t>({4, 0, 3, -2, -1})), {5},
                {81, 1, -1, 1, 0}, 0);
}

TEST(Binary, MixedDtypesPromote) {
  const Tensor i = from_vector<int32_t>({1, 2}), f = from_vector<float>({0.5f, 0.25f});
  EXPECT_EQ(add(i, f).dtype(), DType::f32);
  expect_values(add(i, f), {2}, {1.5, 2.25}, 0);
  EXPECT_EQ(add(f.to(DType::f16), f.to(DType::bf16)).dtype(), DType::f32);
  EXPECT_EQ(add(i, from_vector<int64_t>({1, 1})).dtype(), DType::i64);
  EXPECT_EQ(mul(from_vector<bool>({true, false}), from_vector<uint8_t>({3, 4})).dtype(), DType::u8);
}

TEST(Binary, ScalarOperandsFollowScalarPromotion) {
  const Tensor i = from_vector<int32_t>({1, 2});
  EXPECT_EQ(add(i, 1).dtype(), DType::i32);
  EXPECT_EQ(add(i, 1.5).dtype(), DType::f32);
  expect_values(mul(i, 1.5), {2}, {1.5, 3}, 0);
  const Tensor h = from_vector<float>({1, 2}).to(DType::f16);
  EXPECT_EQ(mul(h, 2.5).dtype(), DType::f16);
  EXPECT_EQ(add(from_vector<bool>({true}), 3).dtype(), DType::i64);
  expect_values(from_vector<float>({4}) / 2 - 1, {1}, {1}, 0);
}

TEST(Binary, ComparisonsAndLogicalOpsReturnBool) {
  const Tensor a = from_vector<float>({1, 2, 3, NAN}), b = from_vector<int32_t>({2, 2, 2, 2});
  const Tensor lt_ab = lt(a, b);
  EXPECT_EQ(lt_ab.dtype(), DType::boolean);
  expect_values(lt_ab, {4}, {1, 0, 0, 0}, 0);
  expect_values(le(a, b), {4}, {1, 1, 0, 0}, 0);
  expect_values(eq(a, b), {4}, {0, 1, 0, 0}, 0);
  expect_values(ne(a, b), {4}, {1, 0, 1, 1}, 0);
  expect_values(gt(a, b), {4}, {0, 0, 1, 0}, 0);
  expect_values(ge(a, b), {4}, {0, 1, 1, 0}, 0);
  const Tensor p = from_vector<float>({0, 0, 1, 2}), q = from_vector<int64_t>({0, 5, 0, -1});
  expect_values(logical_and(p, q), {4}, {0, 0, 0, 1}, 0);
  expect_values(logical_or(p, q), {4}, {0, 1, 1, 1}, 0);
  expect_values(logical_xor(p, q), {4}, {0, 1, 1, 0}, 0);
  // Broadcast comparison against a column.
  const Tensor col = from_vector<float>({1, 3}, {2, 1});
  expect_values(gt(col, from_vector<float>({0, 2, 4})), {2, 3}, {1, 0, 0, 1, 1, 0}, 0);
}

TEST(Binary, MaximumPropagatesNaN) {
  expect_values(maximum(from_vector<float>({NAN, 1}), from_vector<float>({0, NAN})), {2}, {NAN, NAN}, 0);
  expect_values(minimum(from_vector<float>({NAN, 1}), from_vector<float>({0, 0})), {2}, {NAN, 0}, 0);
}

TEST(Binary, ErrorsNameTheOpAndShapes) {
  try {
    add(zeros({2, 3}), zeros({4}));
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("add: shapes [2, 3] and [4] cannot be broadcast"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(sub(from_vector<bool>({true}), from_vector<bool>({false})), DTypeError);
  EXPECT_THROW(add(Tensor(), zeros({1})), Error);
}

TEST(Binary, AddOutWritesIntoExistingTensor) {
  const Tensor out = empty({2, 2});
  add_out(out, ones({2, 2}), from_vector<float>({1, 2}));
  expect_values(out, {2, 2}, {2, 3, 2, 3}, 0);
  EXPECT_THROW(add_out(empty({3}), ones({2}), ones({2})), ShapeError);
  EXPECT_THROW(add_out(empty({2}, DType::f64), ones({2}), ones({2})), DTypeError);
}

TEST(Where, SelectsWithBroadcastAndPromotion) {
  const Tensor cond = from_vector<bool>({true, false, true}, {3, 1});
  const Tensor a = from_vector<int32_t>({1, 2}), b = from_vector<float>({-1.5f});
  const Tensor out = where(cond, a, b);
  EXPECT_EQ(out.dtype(), DType::f32);
  expect_values(out, {3, 2}, {1, 2, -1.5, -1.5, 1, 2}, 0);
  // A non-bool condition means "non-zero".
  expect_values(where(from_vector<float>({0, 3}), from_vector<float>({1, 1}), from_vector<float>({0, 0})), {2},
                {0, 1}, 0);
}

TEST(Elementwise, LargeInputsSplitAcrossThreadsGiveTheSameResult) {
  const Tensor a = random_tensor({1 << 20}, DType::f32, 11), b = random_tensor({1 << 20}, DType::f32, 12);
  const std::vector<double> va = values(a), vb = values(b), got = values(add(a, b));
  for (size_t i = 0; i < got.size(); i += 4099)
    EXPECT_EQ(got[i], static_cast<double>(static_cast<float>(va[i]) + static_cast<float>(vb[i])));
}

}  // namespace
}  // namespace nimbus

namespace nimbus {
namespace {

TEST(Unary, EmptySizeOneAndZeroDimShapes) {
  for (const Shape& shape : {Shape{0}, Shape{3, 0, 2}, Shape{1}, Shape{1, 1, 5}, Shape{}}) {
    for (DType dtype : {DType::f32, DType::bf16}) {
      const Tensor x = testing::random_tensor(shape, dtype, 4, -2, 2);
      std::vector<double> expected;
      for (double v : testing::values(x)) expected.push_back(std::tanh(v));
      SCOPED_TRACE(shape_str(shape) + " " + std::string(dtype_name(dtype)));
      testing::expect_values(tanh(x), shape, expected, 4 * testing::tolerance(dtype), 4 * testing::tolerance(dtype));
      testing::expect_values(relu(testing::non_contiguous(x)), shape,
                             [&] {
                               std::vector<double> r;
                               for (double v : testing::values(x)) r.push_back(v < 0 ? 0 : v);
                               return r;
                             }(),
                             0);
    }
  }
}

}  // namespace
}  // namespace nimbus
