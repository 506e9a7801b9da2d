// Elementwise ops through the public ops: GB/s (bytes read + written), beside a parallel memcpy
// of the same bytes, the bandwidth ceiling a streaming op can approach.
#include <benchmark/benchmark.h>

#include <cstring>

#include "kernels/ops.h"
#include "runtime/parallel.h"
#include "runtime/random.h"

namespace {

void set_bandwidth(benchmark::State& state, double bytes_per_iteration) {
  state.counters["GB/s"] = benchmark::Counter(bytes_per_iteration / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Memcpy(benchmark::State& state) {
  const int64_t n = state.range(0);
  const nimbus::Tensor src = nimbus::randn({n}), dst = nimbus::empty({n});
  auto* out = static_cast<char*>(dst.data_ptr());
  const auto* in = static_cast<const char*>(src.data_ptr());
  const int64_t bytes = n * 4;
  for (auto _ : state) {
    nimbus::parallel_for(bytes, 1 << 20, [&](int64_t b, int64_t e) { std::memcpy(out + b, in + b, e - b); });
    benchmark::ClobberMemory();
  }
  set_bandwidth(state, 2.0 * bytes);
}

void BM_Add(benchmark::State& state) {
  const int64_t n = state.range(0);
  const nimbus::Tensor a = nimbus::randn({n}), b = nimbus::randn({n});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::add(a, b).data_ptr());
  set_bandwidth(state, 3.0 * n * 4);
}

void BM_AddBroadcastRow(benchmark::State& state) {
  const int64_t rows = state.range(0) / 1024;
  const nimbus::Tensor a = nimbus::randn({rows, 1024}), b = nimbus::randn({1024});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::add(a, b).data_ptr());
  set_bandwidth(state, 2.0 * rows * 1024 * 4);
}

void BM_AddTransposed(benchmark::State& state) {
  const int64_t side = state.range(0);
  const nimbus::Tensor a = nimbus::randn({side, side}), b = nimbus::randn({side, side}).t();
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::add(a, b).data_ptr());
  set_bandwidth(state, 3.0 * side * side * 4);
}

void BM_Gelu(benchmark::State& state) {
  const int64_t n = state.range(0);
  const nimbus::Tensor a = nimbus::randn({n});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::gelu(a).data_ptr());
  set_bandwidth(state, 2.0 * n * 4);
}

void BM_CastF32ToBF16(benchmark::State& state) {
  const int64_t n = state.range(0);
  const nimbus::Tensor a = nimbus::randn({n});
  for (auto _ : state) benchmark::DoNotOptimize(a.to(nimbus::DType::bf16).data_ptr());
  set_bandwidth(state, 6.0 * n);
}

constexpr int64_t kLarge = int64_t{1} << 26;  // 64M floats: far beyond the caches

}  // namespace

BENCHMARK(BM_Memcpy)->Arg(1 << 20)->Arg(kLarge)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Add)->Arg(1 << 20)->Arg(kLarge)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AddBroadcastRow)->Arg(1 << 24)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AddTransposed)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Gelu)->Arg(1 << 24)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CastF32ToBF16)->Arg(1 << 24)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
