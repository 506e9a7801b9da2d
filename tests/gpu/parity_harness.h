#pragma once
// Note [GPU parity harness]
// In the spirit of ggml's test-backend-ops: every op is run on random inputs on the CPU (the
// reference) and on cuda:0, and the results are compared under a stated tolerance. An input is
// random storage made on the CPU plus a view (contiguous, transposed, every second element, or a
// broadcast dim); the storage is copied to the device as is and the same view applied there, so
// both devices see the same strides. One registered case per op runs over several shapes
// (including odd sizes and size-1 dims) and layouts; tests/gpu/ops_parity_test.cpp turns every
// case × dtype into its own gtest, so ctest lists one test per op and dtype, and each skips with a
// message when there is no CUDA device.
//
// Tolerances, |gpu - cpu| <= atol + rtol * |cpu| (NaN must meet NaN, infinities must be equal):
//   f64 1e-12 / 1e-11, f32 1e-6 / 1e-5, f16 1e-3 / 2e-3, bf16 8e-3 / 1.6e-2, integers and bool exact.
// The 16-bit bounds are about two units in the last place: both devices compute in f32 and round
// once, so a result may land on the other side of a rounding boundary. Cases with long sums
// (GEMM) scale them up, and say so.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/ops.h"
#include "runtime/backend.h"
#include "runtime/random.h"
#include "runtime/tensor.h"

namespace nimbus::gpu_parity {

inline Device gpu() { return Device::cuda(0); }

#ifdef NIMBUS_EXAMPLES_DIR
// The examples folder: NIMBUS_EXAMPLES_DIR in the environment wins over the build's source path,
// since a GPU bundle runs these tests on another machine, from another checkout (tools/gpu/check.py
// sets it).
inline std::string examples_dir() {
  const char* from_env = std::getenv("NIMBUS_EXAMPLES_DIR");
  return from_env != nullptr ? from_env : NIMBUS_EXAMPLES_DIR;
}
#endif

#define NIMBUS_REQUIRE_GPU() \
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: " << cuda_backend_status()

struct Tol {
  double atol = 0, rtol = 0;
  Tol scaled(double k) const { return {atol * k, rtol * k}; }
};

inline Tol tolerance(DType t) {
  switch (t) {
    case DType::f64: return {1e-12, 1e-11};
    case DType::f32: return {1e-6, 1e-5};
    case DType::f16: return {1e-3, 2e-3};
    case DType::bf16: return {8e-3, 1.6e-2};
    default: return {0, 0};
  }
}

// Compares a CPU result with a GPU result element by element; reports the first few mismatches.
inline void expect_close(const Tensor& cpu, const Tensor& gpu_result, Tol tol, const std::string& what) {
  ASSERT_TRUE(cpu.defined() && gpu_result.defined()) << what;
  ASSERT_EQ(gpu_result.device(), gpu()) << what;
  ASSERT_EQ(cpu.shape(), gpu_result.shape()) << what;
  ASSERT_EQ(cpu.dtype(), gpu_result.dtype()) << what;
  const std::vector<double> c = cpu.to_vector<double>();
  const std::vector<double> g = gpu_result.to(Device::cpu()).to_vector<double>();
  int64_t bad = 0;
  std::ostringstream first;
  for (size_t i = 0; i < c.size(); ++i) {
    bool ok;
    if (std::isnan(c[i]) || std::isnan(g[i])) ok = std::isnan(c[i]) && std::isnan(g[i]);
    else if (std::isinf(c[i]) || std::isinf(g[i])) ok = c[i] == g[i];
    else ok = std::abs(g[i] - c[i]) <= tol.atol + tol.rtol * std::abs(c[i]);
    if (!ok && bad++ < 5) first << "\n  [" << i << "] cpu " << c[i] << " gpu " << g[i];
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << c.size() << " elements differ (atol " << tol.atol
                    << ", rtol " << tol.rtol << ")" << first.str();
}

enum class Layout { contiguous, transposed, strided, broadcast };
enum class Dist { normal, positive, small_int, boolean };

inline const char* layout_name(Layout l) {
  switch (l) {
    case Layout::contiguous: return "contiguous";
    case Layout::transposed: return "transposed";
    case Layout::strided: return "strided";
    case Layout::broadcast: return "broadcast";
  }
  return "?";
}

// Random storage on the CPU and the view that gives the logical tensor.
struct Input {
  Tensor storage;
  std::function<Tensor(const Tensor&)> view;
  Tensor on(Device d) const { return view(storage.to(d)); }
};

inline Tensor random_tensor(const Shape& shape, DType dt, Dist dist, Generator& gen) {
  switch (dist) {
    case Dist::normal: return randn(shape, {DType::f32}, gen).to(dt);
    case Dist::positive: return add(mul(rand(shape, {DType::f32}, gen), 3.0), 0.1).to(dt);
    case Dist::small_int: return randint(-5, 6, shape, {DType::i64}, gen).to(dt);
    case Dist::boolean: return lt(rand(shape, {DType::f32}, gen), scalar_tensor(0.5)).to(dt);
  }
  return Tensor();
}

inline Input make_input(const Shape& shape, DType dt, Layout layout, Generator& gen, Dist dist = Dist::normal) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  if (layout == Layout::transposed && nd >= 2) {
    Shape s = shape;
    std::swap(s[nd - 1], s[nd - 2]);
    return {random_tensor(s, dt, dist, gen), [](const Tensor& t) { return t.transpose(-1, -2); }};
  }
  if ((layout == Layout::strided || layout == Layout::transposed) && nd >= 1) {
    Shape s = shape;
    s[nd - 1] *= 2;
    const int64_t end = s[nd - 1];
    return {random_tensor(s, dt, dist, gen), [end](const Tensor& t) { return t.slice(-1, 0, end, 2); }};
  }
  if (layout == Layout::broadcast && nd >= 1) {
    Shape s = shape;
    s[0] = 1;
    return {random_tensor(s, dt, dist, gen), [shape](const Tensor& t) { return t.expand(shape); }};
  }
  return {random_tensor(shape, dt, dist, gen), [](const Tensor& t) { return t; }};
}

// Shapes every elementwise and reduction case runs over: a scalar-like vector, odd sizes, a
// size-1 dim, and more than 2^16 elements so that grids have many blocks.
inline const std::vector<Shape>& shapes() {
  static const std::vector<Shape> s = {{1}, {7}, {33, 65}, {4, 1, 131}, {3, 5, 7, 11}, {257, 263}};
  return s;
}
inline const std::vector<Layout>& layouts() {
  static const std::vector<Layout> l = {Layout::contiguous, Layout::transposed, Layout::strided, Layout::broadcast};
  return l;
}

inline std::string describe(const std::string& op, DType dt, const Shape& shape, const std::string& extra) {
  return op + " " + std::string(dtype_name(dt)) + " " + shape_str(shape) + " " + extra;
}

// One op: the dtypes it is checked at, and the body that checks one dtype.
struct OpCase {
  std::string name;
  std::vector<DType> dtypes;
  std::function<void(DType)> run;
};

// One gtest per op x dtype: NIMBUS_PARITY_SUITE(Prefix, Fixture, cases()) defines
// Prefix/Fixture.MatchesCpu/<op>_<dtype> for every case of the list.
struct ParityParam {
  const OpCase* op;
  DType dtype;
};

inline std::vector<ParityParam> parity_params(const std::vector<OpCase>& cases) {
  std::vector<ParityParam> p;
  for (const OpCase& c : cases)
    for (DType dt : c.dtypes) p.push_back({&c, dt});
  return p;
}

// How ctest shows a case (instead of gtest's byte dump).
inline void PrintTo(const ParityParam& p, std::ostream* out) { *out << p.op->name << " " << dtype_name(p.dtype); }

inline std::string parity_name(const ::testing::TestParamInfo<ParityParam>& info) {
  return info.param.op->name + "_" + std::string(dtype_name(info.param.dtype));
}

#define NIMBUS_PARITY_SUITE(prefix, fixture, cases)                                            \
  class fixture : public ::testing::TestWithParam<::nimbus::gpu_parity::ParityParam> {};       \
  TEST_P(fixture, MatchesCpu) {                                                                \
    NIMBUS_REQUIRE_GPU();                                                                      \
    GetParam().op->run(GetParam().dtype);                                                      \
  }                                                                                            \
  INSTANTIATE_TEST_SUITE_P(prefix, fixture, ::testing::ValuesIn(::nimbus::gpu_parity::parity_params(cases)), \
                           ::nimbus::gpu_parity::parity_name)

}  // namespace nimbus::gpu_parity
