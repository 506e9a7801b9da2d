// conv2d forward and backward (f32) through the public ops for a LeNet-like and a ResNet-like
// layer: GFLOP/s, counting 2 * N * O * Hout * Wout * C/g * kH * kW per forward and twice that
// per backward (grad_input and grad_weight are one such product each).
#include <benchmark/benchmark.h>

#include "kernels/conv_ops.h"
#include "runtime/random.h"

namespace {

struct Layer {
  int64_t N, C, H, W, O, k, pad;
};
// range(0) selects the layer.
const Layer kLayers[] = {{64, 1, 28, 28, 6, 5, 0}, {32, 64, 56, 56, 64, 3, 1}};

double forward_flops(const Layer& l) {
  const int64_t oh = l.H + 2 * l.pad - l.k + 1, ow = l.W + 2 * l.pad - l.k + 1;
  return 2.0 * l.N * l.O * oh * ow * l.C * l.k * l.k;
}

void BM_Conv2dForward(benchmark::State& state) {
  const Layer& l = kLayers[state.range(0)];
  const nimbus::Tensor x = nimbus::randn({l.N, l.C, l.H, l.W}), w = nimbus::randn({l.O, l.C, l.k, l.k});
  const nimbus::Tensor b = nimbus::randn({l.O});
  const nimbus::Conv2dParams p{{1, 1}, {l.pad, l.pad}, {1, 1}, 1};
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::conv2d(x, w, b, p).data_ptr());
  state.counters["GFLOP/s"] = benchmark::Counter(forward_flops(l) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Conv2dBackward(benchmark::State& state) {
  const Layer& l = kLayers[state.range(0)];
  const nimbus::Tensor x = nimbus::randn({l.N, l.C, l.H, l.W}), w = nimbus::randn({l.O, l.C, l.k, l.k});
  const nimbus::Conv2dParams p{{1, 1}, {l.pad, l.pad}, {1, 1}, 1};
  const nimbus::Tensor g = nimbus::randn(nimbus::conv2d(x, w, nimbus::Tensor(), p).shape());
  for (auto _ : state) benchmark::DoNotOptimize(nimbus::conv2d_backward(g, x, w, p).grad_weight.data_ptr());
  state.counters["GFLOP/s"] =
      benchmark::Counter(2 * forward_flops(l) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

// 0: LeNet-like [64,1,28,28] x [6,1,5,5]; 1: ResNet-like [32,64,56,56] x [64,64,3,3], pad 1.
BENCHMARK(BM_Conv2dForward)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Conv2dBackward)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
