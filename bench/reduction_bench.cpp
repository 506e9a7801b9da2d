// Reductions through the public ops: GB/s of input read.
#include <benchmark/benchmark.h>

#include "kernels/ops.h"
#include "runtime/random.h"

namespace {

void set_bandwidth(benchmark::State& state, double bytes_per_iteration) {
  state.counters["GB/s"] = benchmark::Counter(bytes_per_iteration / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_SumAll(benchmark::State& state) {
  const int64_t n = state.range(0);
  const nimbus::Tensor a = nimbus::randn({n});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::sum(a).data_ptr());
  set_bandwidth(state, 4.0 * n);
}

// dim 1 of [rows, 1024]: inner, contiguous reductions.
void BM_SumRows(benchmark::State& state) {
  const int64_t rows = state.range(0) / 1024;
  const nimbus::Tensor a = nimbus::randn({rows, 1024});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::sum(a, {1}).data_ptr());
  set_bandwidth(state, 4.0 * rows * 1024);
}

// dim 0 of [rows, 1024]: outer reductions (column sums).
void BM_SumColumns(benchmark::State& state) {
  const int64_t rows = state.range(0) / 1024;
  const nimbus::Tensor a = nimbus::randn({rows, 1024});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::sum(a, {0}).data_ptr());
  set_bandwidth(state, 4.0 * rows * 1024);
}

void BM_ArgmaxRows(benchmark::State& state) {
  const int64_t rows = state.range(0) / 1024;
  const nimbus::Tensor a = nimbus::randn({rows, 1024});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::argmax(a, 1).data_ptr());
  set_bandwidth(state, 4.0 * rows * 1024);
}

void BM_VarAll(benchmark::State& state) {
  const int64_t n = state.range(0);
  const nimbus::Tensor a = nimbus::randn({n});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::var(a).data_ptr());
  set_bandwidth(state, 4.0 * n);
}

}  // namespace

BENCHMARK(BM_SumAll)->Arg(1 << 20)->Arg(1 << 26)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SumRows)->Arg(1 << 24)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SumColumns)->Arg(1 << 24)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ArgmaxRows)->Arg(1 << 24)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_VarAll)->Arg(1 << 24)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
