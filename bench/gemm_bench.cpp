// f32/f64 GEMM (square and linear-layer shapes) through matmul: GFLOP/s.
#include <benchmark/benchmark.h>

#include "kernels/ops.h"
#include "runtime/random.h"

namespace {

void BM_Matmul(benchmark::State& state, nimbus::DType dtype) {
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const nimbus::Tensor a = nimbus::randn({m, k}, dtype), b = nimbus::randn({k, n}, dtype);
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::matmul(a, b).data_ptr());
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_BatchedMatmul(benchmark::State& state) {
  const int64_t batch = state.range(0), s = state.range(1);
  const nimbus::Tensor a = nimbus::randn({batch, s, s}), b = nimbus::randn({batch, s, s});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::matmul(a, b).data_ptr());
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * batch * s * s * s / 1e9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Matmul, f32, nimbus::DType::f32)
    ->Args({256, 256, 256})->Args({1024, 1024, 1024})->Args({64, 784, 512})->Args({4096, 512, 512})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Matmul, f64, nimbus::DType::f64)->Args({1024, 1024, 1024})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Matmul, bf16, nimbus::DType::bf16)->Args({512, 512, 512})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BatchedMatmul)->Args({64, 64})->Args({8, 256})->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
