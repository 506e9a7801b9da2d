// Row-wise NN ops through the public ops: softmax, log_softmax, layer_norm forward and backward,
// cross-entropy. GB/s counts bytes read plus written once each (the ideal single pass).
#include <benchmark/benchmark.h>

#include "kernels/nn_ops.h"
#include "runtime/random.h"

namespace {

void set_bandwidth(benchmark::State& state, double bytes_per_iteration) {
  state.counters["GB/s"] = benchmark::Counter(bytes_per_iteration / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Softmax(benchmark::State& state) {
  const int64_t rows = state.range(0), n = state.range(1);
  const nimbus::Tensor x = nimbus::randn({rows, n});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::softmax(x, 1).data_ptr());
  set_bandwidth(state, 2.0 * rows * n * 4);
}

void BM_SoftmaxBackward(benchmark::State& state) {
  const int64_t rows = state.range(0), n = state.range(1);
  const nimbus::Tensor y = nimbus::softmax(nimbus::randn({rows, n}), 1), g = nimbus::randn({rows, n});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::softmax_backward(g, y, 1).data_ptr());
  set_bandwidth(state, 3.0 * rows * n * 4);
}

void BM_LayerNorm(benchmark::State& state) {
  const int64_t rows = state.range(0), n = state.range(1);
  const nimbus::Tensor x = nimbus::randn({rows, n}), w = nimbus::ones({n}), b = nimbus::zeros({n});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::layer_norm(x, {n}, w, b).output.data_ptr());
  set_bandwidth(state, 2.0 * rows * n * 4);
}

void BM_LayerNormBackward(benchmark::State& state) {
  const int64_t rows = state.range(0), n = state.range(1);
  const nimbus::Tensor x = nimbus::randn({rows, n}), w = nimbus::ones({n}), b = nimbus::zeros({n});
  const nimbus::LayerNormResult r = nimbus::layer_norm(x, {n}, w, b);
  const nimbus::Tensor g = nimbus::randn({rows, n});
  for (auto _ : state)
    benchmark::DoNotOptimize(nimbus::layer_norm_backward(g, x, {n}, r.mean, r.rstd, w, true).grad_input.data_ptr());
  set_bandwidth(state, 3.0 * rows * n * 4);
}

void BM_CrossEntropy(benchmark::State& state) {
  const int64_t rows = state.range(0), classes = state.range(1);
  const nimbus::Tensor logits = nimbus::randn({rows, classes});
  const nimbus::Tensor target = nimbus::randint(0, classes, {rows});
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::cross_entropy(logits, target).data_ptr());
  set_bandwidth(state, 1.0 * rows * classes * 4);
}

}  // namespace

// [tokens, width] shapes of a small GPT (width 768) and a vocabulary-sized softmax.
BENCHMARK(BM_Softmax)->Args({8192, 768})->Args({1024, 50304})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SoftmaxBackward)->Args({8192, 768})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LayerNorm)->Args({8192, 768})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LayerNormBackward)->Args({8192, 768})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CrossEntropy)->Args({1024, 50304})->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
