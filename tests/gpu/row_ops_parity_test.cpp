// Parity of the contiguous-row CUDA kernels (kernels/cuda/nn_rows_fast.cuh) with the CPU: the
// shapes cross every dispatch boundary (warp per row at n <= 64, 256, 1024; block per row with
// 256 or 512 threads, rows staged in shared memory or re-read from global memory), odd n and n
// off the 16-byte vector width, a single row, row starts off 16-byte alignment (a view at an odd
// element offset), a row holding NaN, and layer norm's two-stage column sums (many rows).
// ops_parity_test.cpp covers the strided-row (inner > 1) kernels. Note [GPU parity harness].
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gpu/parity_harness.h"
#include "kernels/dispatch.h"
#include "kernels/nn_ops.h"
#include "kernels/ops.h"

namespace nimbus::gpu_parity {
namespace {

const std::vector<DType> kFloatTypes = {DType::f32, DType::f64, DType::f16, DType::bf16};

struct RowShape {
  int64_t rows, n;
};

// n around each boundary of the dispatch, and past the shared-memory staging limit for every
// dtype (44 KiB: 11264 f32 elements in the forward, half that in the backward's two rows).
const std::vector<RowShape>& row_shapes() {
  static const std::vector<RowShape> s = {{1, 1},    {5, 2},    {3, 31},   {9, 64},    {7, 65},    {6, 255},
                                          {5, 257},  {4, 1000}, {3, 1023}, {5, 1024},  {3, 1025},  {1, 3001},
                                          {2, 4096}, {2, 4099}, {2, 6000}, {2, 13001}, {37, 129},  {1029, 33}};
  return s;
}

// A [rows, n] contiguous tensor whose data starts `offset` elements into its storage: with an
// odd offset the rows start off 16-byte alignment.
Input row_input(RowShape s, DType dt, int64_t offset, Generator& gen, Dist dist = Dist::normal) {
  const int64_t count = s.rows * s.n;
  return {random_tensor({count + offset}, dt, dist, gen), [=](const Tensor& t) {
            return t.slice(0, offset, offset + count).view({s.rows, s.n});
          }};
}

std::string what(const std::string& op, DType dt, RowShape s, int64_t offset) {
  return op + " " + std::string(dtype_name(dt)) + " [" + std::to_string(s.rows) + ", " + std::to_string(s.n) + "] offset " +
         std::to_string(offset);
}

void softmax_rows_case(DType dt, bool log, bool backward) {
  Generator gen(41);
  const std::string name = std::string(log ? "log_softmax" : "softmax") + (backward ? "_backward" : "");
  for (const RowShape& s : row_shapes())
    for (int64_t offset : {0, 1}) {
      const Input x = row_input(s, dt, offset, gen);
      const Input g = row_input(s, dt, offset == 0 ? 3 : 0, gen);  // grad and output aligned differently
      auto run = [&](Device d) {
        const Tensor xd = x.on(d);
        const Tensor y = log ? log_softmax(xd, -1) : softmax(xd, -1);
        if (!backward) return y;
        return log ? log_softmax_backward(g.on(d), y, -1) : softmax_backward(g.on(d), y, -1);
      };
      expect_close(run(Device::cpu()), run(gpu()), tolerance(dt), what(name, dt, s, offset));
    }
}

// A NaN anywhere in a row makes the whole row NaN on both devices; other rows are untouched.
void softmax_nan_case(DType dt) {
  Generator gen(42);
  for (const RowShape& s : std::vector<RowShape>{{3, 40}, {3, 2000}, {2, 20000}}) {
    Tensor x = random_tensor({s.rows, s.n}, DType::f32, Dist::normal, gen);
    x.data<float>()[s.n + s.n / 2] = std::numeric_limits<float>::quiet_NaN();  // middle of row 1
    x = x.to(dt);
    for (bool log : {false, true}) {
      auto run = [&](Device d) { return log ? log_softmax(x.to(d), -1) : softmax(x.to(d), -1); };
      expect_close(run(Device::cpu()), run(gpu()), tolerance(dt), what(log ? "log_softmax NaN" : "softmax NaN", dt, s, 0));
    }
  }
}

void layer_norm_rows_case(DType dt, bool backward) {
  Generator gen(43);
  const std::string name = backward ? "layer_norm_backward" : "layer_norm";
  std::vector<RowShape> shapes = row_shapes();
  shapes.push_back({2048, 64});  // many rows: the column sums take the two-stage path
  shapes.push_back({700, 1500});
  for (const RowShape& s : shapes)
    for (int64_t offset : {0, 1})
      for (bool affine : {false, true}) {
        if (offset == 1 && !affine) continue;
        Input xi = row_input(s, dt, offset, gen);
        xi.storage = add(xi.storage, 3.0).to(dt);  // an offset mean
        const Tensor x = xi.on(Device::cpu()), xg = xi.on(gpu());
        const Tensor w = affine ? random_tensor({s.n}, dt, Dist::normal, gen) : Tensor();
        const Tensor b = affine ? random_tensor({s.n}, dt, Dist::normal, gen) : Tensor();
        auto on = [](const Tensor& t, Device d) { return t.defined() ? t.to(d) : Tensor(); };
        const std::string desc = what(name, dt, s, offset) + (affine ? " affine" : " plain");
        const LayerNormResult rc = layer_norm(x, {s.n}, w, b);
        if (!backward) {
          const LayerNormResult rg = layer_norm(xg, {s.n}, on(w, gpu()), on(b, gpu()));
          // The affine output xhat * w + b is often a small difference of terms near 1, so its
          // error is a few units in the last place of those terms, not of the result (seen on an
          // H200: 1.5e-6 at 0.0189 for f32, [700, 1500]).
          expect_close(rc.output, rg.output, affine ? tolerance(dt).scaled(4) : tolerance(dt), desc + " output");
          expect_close(rc.mean, rg.mean, tolerance(rc.mean.dtype()), desc + " mean");
          expect_close(rc.rstd, rg.rstd, tolerance(rc.rstd.dtype()).scaled(10), desc + " rstd");
          continue;
        }
        const Tensor g = random_tensor({s.rows, s.n}, dt, Dist::normal, gen);
        const LayerNormGrads gc = layer_norm_backward(g, x, {s.n}, rc.mean, rc.rstd, w, affine);
        const LayerNormGrads gg =
            layer_norm_backward(g.to(gpu()), xg, {s.n}, rc.mean.to(gpu()), rc.rstd.to(gpu()), on(w, gpu()), affine);
        expect_close(gc.grad_input, gg.grad_input, tolerance(dt).scaled(4), desc + " grad_input");
        if (affine) {
          // Column sums over up to 2048 rows: the CPU adds them in row order, the GPU in chunks,
          // and the CPU's own rounding error grows with the row count.
          const Tol col = tolerance(dt).scaled(s.rows > 64 ? 100 : 4);
          expect_close(gc.grad_weight, gg.grad_weight, col, desc + " grad_weight");
          expect_close(gc.grad_bias, gg.grad_bias, col, desc + " grad_bias");
        }
      }
}

// At the kernel entries, as ops_parity_test.cpp's cross_entropy_case (inner == 1 here).
void cross_entropy_rows_case(DType dt, bool backward) {
  Generator gen(44);
  const DType acc = dt == DType::f64 ? DType::f64 : DType::f32;
  const std::string name = backward ? "cross_entropy_backward" : "cross_entropy";
  for (const RowShape& s : std::vector<RowShape>{{1, 1},   {6, 5},    {9, 33},    {5, 64},   {5, 100},  {4, 1000},
                                                 {3, 1025}, {3, 5000}, {2, 12000}, {2, 32003}, {300, 17}})
    for (double ls : {0.0, 0.1}) {
      const Shape nci = {s.rows, s.n, 1};
      const Tensor z = mul(random_tensor(nci, dt, Dist::normal, gen), 4.0).to(dt);
      Tensor t = randint(0, s.n, {s.rows, 1}, {DType::i64}, gen);
      if (s.rows > 1) t.data<int64_t>()[1] = -100;  // one ignored row
      const Tensor scale = random_tensor({s.rows, 1}, acc, Dist::normal, gen);
      auto run = [&](Device d) {
        const KernelTable& k = kernels_for(d);
        if (!backward) {
          const Tensor loss = empty({s.rows, 1}, {acc, d});
          k.cross_entropy(loss, z.to(d), t.to(d), -100, ls);
          return loss;
        }
        const Tensor grad = empty(nci, {dt, d});
        k.cross_entropy_backward(grad, z.to(d), t.to(d), scale.to(d), -100, ls);
        return grad;
      };
      expect_close(run(Device::cpu()), run(gpu()), tolerance(backward ? dt : acc).scaled(4),
                   what(name, dt, s, 0) + " smoothing " + std::to_string(ls));
    }
}

struct RowCase {
  std::string name;
  DType dtype;
  void (*run)(DType);
};

std::vector<RowCase> row_cases() {
  std::vector<RowCase> c;
  for (DType dt : kFloatTypes) {
    const std::string d(dtype_name(dt));
    c.push_back({"softmax_" + d, dt, [](DType t) { softmax_rows_case(t, false, false); }});
    c.push_back({"log_softmax_" + d, dt, [](DType t) { softmax_rows_case(t, true, false); }});
    c.push_back({"softmax_backward_" + d, dt, [](DType t) { softmax_rows_case(t, false, true); }});
    c.push_back({"log_softmax_backward_" + d, dt, [](DType t) { softmax_rows_case(t, true, true); }});
    c.push_back({"softmax_nan_" + d, dt, softmax_nan_case});
    c.push_back({"layer_norm_" + d, dt, [](DType t) { layer_norm_rows_case(t, false); }});
    c.push_back({"layer_norm_backward_" + d, dt, [](DType t) { layer_norm_rows_case(t, true); }});
    c.push_back({"cross_entropy_" + d, dt, [](DType t) { cross_entropy_rows_case(t, false); }});
    c.push_back({"cross_entropy_backward_" + d, dt, [](DType t) { cross_entropy_rows_case(t, true); }});
  }
  return c;
}

void PrintTo(const RowCase& c, std::ostream* out) { *out << c.name; }

class CudaRows : public ::testing::TestWithParam<RowCase> {};

TEST_P(CudaRows, MatchesCpu) {
  NIMBUS_REQUIRE_GPU();
  GetParam().run(GetParam().dtype);
}

INSTANTIATE_TEST_SUITE_P(RowOpsParity, CudaRows, ::testing::ValuesIn(row_cases()),
                         [](const ::testing::TestParamInfo<RowCase>& info) { return info.param.name; });

// The same input gives the same bits on every run (fixed-order reductions, no atomics).
TEST(CudaRowKernels, Deterministic) {
  NIMBUS_REQUIRE_GPU();
  Generator gen(45);
  for (const RowShape& s : std::vector<RowShape>{{64, 512}, {16, 6000}, {4096, 96}}) {
    const Tensor x = random_tensor({s.rows, s.n}, DType::f32, Dist::normal, gen).to(gpu());
    const Tensor g = random_tensor({s.rows, s.n}, DType::f32, Dist::normal, gen).to(gpu());
    const Tensor w = random_tensor({s.n}, DType::f32, Dist::normal, gen).to(gpu());
    auto outputs = [&]() {
      const LayerNormResult ln = layer_norm(x, {s.n}, w, Tensor());
      const LayerNormGrads lg = layer_norm_backward(g, x, {s.n}, ln.mean, ln.rstd, w, true);
      return std::vector<Tensor>{softmax(x, -1), log_softmax_backward(g, log_softmax(x, -1), -1), ln.output,
                                 lg.grad_input, lg.grad_weight, lg.grad_bias};
    };
    const std::vector<Tensor> a = outputs(), b = outputs();
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_EQ(a[i].to(Device::cpu()).to_vector<float>(), b[i].to(Device::cpu()).to_vector<float>())
          << "output " << i << " of [" << s.rows << ", " << s.n << "]";
  }
}

}  // namespace
}  // namespace nimbus::gpu_parity
