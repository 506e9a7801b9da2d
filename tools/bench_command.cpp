// `nimbus bench KERNEL [sizes] [--json]`: times one public op (dispatch included) after warm-up and
// reports the median and best of the timed runs, with GFLOP/s or GB/s from the best run.
// GB/s counts bytes read plus bytes written. Two baselines give the bandwidth an elementwise op can
// hope to approach: `copy`, a parallel memcpy of the same bytes (on a GPU, the device's own
// device-to-device copy), and `stream_copy`, a plain copy
// loop as in the STREAM benchmark (C library memcpy uses different store instructions, and on
// some machines it is the slower of the two).
//
// `nimbus bench train --workload mlp|cnn|gpt [--seconds S]` times whole training steps instead:
// Trainer::train_step (zero grad, forward, loss, backward, update) of the `nimbus train` runner on
// a fixed config (models/runner/bench_workloads.h), and reports the median step time over at
// least S seconds of steps after warm-up. Fetching the next batch is not timed.
//
// `nimbus bench alloc --n BYTES` times allocate/free pairs through the caching allocator.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "kernels/conv_ops.h"
#include "kernels/library_info.h"
#include "kernels/nn_ops.h"
#include "kernels/ops.h"
#include "models/runner/bench_workloads.h"
#include "models/runner/trainer.h"
#include "runtime/backend.h"
#include "runtime/parallel.h"
#include "runtime/random.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct BenchOptions {
  std::string kernel;
  int64_t m = 1024, n = 1024, k = 1024;
  // conv2d: [batch, in, size, size] x [out, in, kernel, kernel], stride 1, "same" padding.
  int64_t batch = 32, in_channels = 64, out_channels = 64, size = 56, kernel_size = 3;
  std::string device = "auto";
  std::string dtype = "f32";
  int repeat = 20;
  int warmup = 3;
  bool json = false;
  // train
  std::string workload;
  double seconds = 3;
};

// A prepared workload: run() does one timed unit of work; the counts turn time into rates.
struct Workload {
  std::function<void()> run;
  double flops = 0;  // floating-point operations per run (GFLOP/s is reported when > 0)
  double bytes = 0;  // bytes read + written per run (GB/s otherwise)
  std::string shape;
};

// STREAM's Copy: a loop the compiler vectorizes, kept from being turned back into a memcpy call.
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void copy_words(uint64_t* out, const uint64_t* in,
                                                                               int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = in[i];
}

Workload make_workload(const BenchOptions& o, Device device, DType dtype) {
  auto vector_of = [&](int64_t n) { return randn({n}, {dtype, device}); };
  const double elem = static_cast<double>(dtype_size(dtype));
  if (o.kernel == "gemm") {
    const Tensor a = randn({o.m, o.k}, {dtype, device}), b = randn({o.k, o.n}, {dtype, device});
    return {[a, b] { matmul(a, b); }, 2.0 * o.m * o.n * o.k, 0,
            std::to_string(o.m) + "x" + std::to_string(o.n) + "x" + std::to_string(o.k)};
  }
  if (o.kernel == "conv2d" || o.kernel == "conv2d_backward") {
    const Tensor x = randn({o.batch, o.in_channels, o.size, o.size}, {dtype, device});
    const Tensor w = randn({o.out_channels, o.in_channels, o.kernel_size, o.kernel_size}, {dtype, device});
    Conv2dParams params;
    params.padding = {o.kernel_size / 2, o.kernel_size / 2};
    const Tensor y = conv2d(x, w, Tensor(), params);
    const double flops = 2.0 * static_cast<double>(y.numel()) * o.in_channels * o.kernel_size * o.kernel_size;
    const std::string shape = shape_str(x.shape()) + "x" + shape_str(w.shape());
    if (o.kernel == "conv2d_backward")
      return {[x, w, y, params] { conv2d_backward(y, x, w, params, true, true, false); }, 2 * flops, 0, shape};
    return {[x, w, params] { conv2d(x, w, Tensor(), params); }, flops, 0, shape};
  }
  if (o.kernel == "softmax") {
    const Tensor x = randn({o.m, o.n}, {dtype, device});
    return {[x] { softmax(x, 1); }, 0, 2.0 * o.m * o.n * elem, std::to_string(o.m) + "x" + std::to_string(o.n)};
  }
  if (o.kernel == "add") {
    const Tensor a = vector_of(o.n), b = vector_of(o.n);
    return {[a, b] { add(a, b); }, 0, 3.0 * o.n * elem, std::to_string(o.n)};
  }
  if (o.kernel == "mul_scalar") {
    const Tensor a = vector_of(o.n);
    return {[a] { mul(a, 2.0); }, 0, 2.0 * o.n * elem, std::to_string(o.n)};
  }
  if (o.kernel == "exp") {
    const Tensor a = vector_of(o.n);
    return {[a] { exp(a); }, 0, 2.0 * o.n * elem, std::to_string(o.n)};
  }
  if (o.kernel == "sum") {
    const Tensor a = vector_of(o.n);
    return {[a] { sum(a); }, 0, 1.0 * o.n * elem, std::to_string(o.n)};
  }
  if (o.kernel == "copy") {
    const Tensor src = vector_of(o.n), dst = empty({o.n}, {dtype, device});
    const size_t total = static_cast<size_t>(o.n) * dtype_size(dtype);
    if (!device.is_cpu()) {  // the device's own byte copy (cudaMemcpyAsync device to device)
      return {[src, dst, total, device] {
                backend_for(device).copy_bytes(dst.data_ptr(), true, src.data_ptr(), true, total,
                                               current_stream(device));
              },
              0, 2.0 * static_cast<double>(total), std::to_string(o.n)};
    }
    return {[src, dst, total] {
              auto* out = static_cast<char*>(dst.data_ptr());
              const auto* in = static_cast<const char*>(src.data_ptr());
              parallel_for(static_cast<int64_t>(total), 1 << 20, [&](int64_t begin, int64_t end) {
                std::memcpy(out + begin, in + begin, static_cast<size_t>(end - begin));
              });
            },
            0, 2.0 * static_cast<double>(total), std::to_string(o.n)};
  }
  if (o.kernel == "stream_copy") {
    NIMBUS_CHECK_T(DeviceError, device.is_cpu(), "bench stream_copy: the copy baseline runs on the CPU");
    const Tensor src = vector_of(o.n), dst = empty({o.n}, {dtype, device});
    const int64_t words = o.n * static_cast<int64_t>(dtype_size(dtype)) / 8;  // any tail bytes are left out
    return {[src, dst, words] {
              auto* out = static_cast<uint64_t*>(dst.data_ptr());
              const auto* in = static_cast<const uint64_t*>(src.data_ptr());
              parallel_for(words, 1 << 17, [&](int64_t begin, int64_t end) { copy_words(out + begin, in + begin, end - begin); });
            },
            0, 16.0 * static_cast<double>(words), std::to_string(o.n)};
  }
  NIMBUS_THROW(ConfigError, "bench: ", o.kernel.empty() ? std::string("name a kernel") : std::string("unknown kernel '").append(o.kernel).append("'"),
               " (expected gemm, conv2d, conv2d_backward, softmax, add, mul_scalar, exp, sum, copy, stream_copy, "
               "train, alloc, or the sql subcommand)");
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void run_train_bench(const BenchOptions& o) {
  NIMBUS_CHECK_T(ConfigError, !o.workload.empty(), "bench train: --workload is required (mlp, cnn or gpt)");
  NIMBUS_CHECK_T(ConfigError, o.seconds > 0 && o.seconds <= 3600, "bench train: --seconds must be in (0, 3600], got ",
                 o.seconds);
  NIMBUS_CHECK_T(ConfigError, o.warmup >= 0, "bench train: --warmup must be at least 0, got ", o.warmup);
  models::RunConfig config = models::bench_workload_config(o.workload);
  config.device = o.device;
  // The run directory stays untouched: only Trainer::run() writes into it.
  models::Trainer trainer(config);

  for (int i = 0; i < o.warmup; ++i) trainer.train_step(trainer.next_batch());
  // Steps until `seconds` of timed steps have passed, and at least a few, so the median means
  // something for slow workloads too.
  constexpr size_t kMinSteps = 5;
  std::vector<double> ms;
  double total_ms = 0;
  Event start(trainer.device()), stop(trainer.device());
  while (total_ms < o.seconds * 1e3 || ms.size() < kMinSteps) {
    const data::Batch batch = trainer.next_batch();
    start.record();
    const double loss = trainer.train_step(batch);  // returns the loss's value: the step is complete
    stop.record();
    stop.synchronize();
    NIMBUS_CHECK(std::isfinite(loss), "bench train ", o.workload, ": the loss became ", loss, " at step ",
                 o.warmup + static_cast<int64_t>(ms.size()) + 1);
    ms.push_back(start.elapsed_ms(stop));
    total_ms += ms.back();
  }
  const double median = median_of(ms);
  const double best = *std::min_element(ms.begin(), ms.end());
  int64_t parameters = 0;
  for (const auto& p : trainer.model().parameters()) parameters += p.data().numel();

  nlohmann::ordered_json result;
  result["workload"] = o.workload;
  result["ms_per_step"] = median;
  result["best_ms"] = best;
  result["steps"] = ms.size();
  result["warmup_steps"] = o.warmup;
  result["batch"] = config.data.batch_size;
  result["parameters"] = parameters;
  result["device"] = trainer.device().str();
  result["threads"] = cpu_threads();
  if (o.json) {
    std::cout << result.dump() << "\n";
    return;
  }
  std::cout << "train " << o.workload << " (batch " << config.data.batch_size << ", " << parameters
            << " parameters) on " << trainer.device() << ": median " << median << " ms/step, best " << best
            << " ms over " << ms.size() << " steps\n";
}

// `bench alloc`: one allocate/free pair of --n bytes through the device's caching allocator,
// timed on the host clock (the allocator's cost is host time; the device does nothing). After the
// warm-up every request is a cache hit.
void run_alloc_bench(const BenchOptions& o) {
  const Device device = Device::parse(o.device);
  constexpr int kPairs = 10000;
  auto pairs = [&] {
    for (int i = 0; i < kPairs; ++i) (void)empty({o.n}, {DType::u8, device});
  };
  for (int i = 0; i < o.warmup; ++i) pairs();
  std::vector<double> ns;
  for (int i = 0; i < o.repeat; ++i) {
    const auto start = std::chrono::steady_clock::now();
    pairs();
    ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / kPairs);
  }
  nlohmann::ordered_json result;
  result["kernel"] = "alloc";
  result["device"] = device.str();
  result["bytes"] = o.n;
  result["ns_per_pair"] = median_of(ns);
  result["best_ns"] = *std::min_element(ns.begin(), ns.end());
  result["runs"] = o.repeat;
  if (o.json) {
    std::cout << result.dump() << "\n";
    return;
  }
  std::cout << "alloc " << o.n << " bytes on " << device << ": median " << result["ns_per_pair"].get<double>()
            << " ns per allocate/free pair, best " << result["best_ns"].get<double>() << " ns\n";
}

void run_bench(const BenchOptions& o) {
  if (o.kernel == "train") {
    run_train_bench(o);
    return;
  }
  if (o.kernel == "alloc") {
    NIMBUS_CHECK_T(ConfigError, o.n > 0 && o.repeat >= 10, "bench alloc: --n must be positive and --repeat at least 10");
    run_alloc_bench(o);
    return;
  }
  NIMBUS_CHECK_T(ConfigError, o.workload.empty(), "bench: --workload applies to bench train, not to '", o.kernel,
                 "'");
  NIMBUS_CHECK_T(ConfigError, o.repeat >= 10, "bench: --repeat must be at least 10, got ", o.repeat);
  NIMBUS_CHECK_T(ConfigError,
                 o.m > 0 && o.n > 0 && o.k > 0 && o.batch > 0 && o.in_channels > 0 && o.out_channels > 0 &&
                     o.size > 0 && o.kernel_size > 0,
                 "bench: sizes must be positive");
  const Device device = Device::parse(o.device);
  const DType dtype = parse_dtype(o.dtype);
  const Workload work = make_workload(o, device, dtype);

  for (int i = 0; i < o.warmup; ++i) work.run();
  std::vector<double> ms;
  Event start(device), stop(device);
  for (int i = 0; i < o.repeat; ++i) {
    start.record();
    work.run();
    stop.record();
    stop.synchronize();
    ms.push_back(start.elapsed_ms(stop));
  }
  const double median = median_of(ms);
  const double best = *std::min_element(ms.begin(), ms.end());

  nlohmann::ordered_json result;
  result["kernel"] = o.kernel;
  result["device"] = device.str();
  result["dtype"] = dtype_name(dtype);
  result["shape"] = work.shape;
  result["median_ms"] = median;
  result["best_ms"] = best;
  result["runs"] = o.repeat;
  if (work.flops > 0) result["gflops"] = work.flops / (best * 1e-3) / 1e9;
  else result["gbps"] = work.bytes / (best * 1e-3) / 1e9;
  if (o.json) {
    std::cout << result.dump() << "\n";
    return;
  }
  std::cout << o.kernel << " " << work.shape << " " << dtype_name(dtype) << " on " << device << ": median "
            << median << " ms, best " << best << " ms, ";
  if (work.flops > 0) std::cout << result["gflops"].get<double>() << " GFLOP/s\n";
  else std::cout << result["gbps"].get<double>() << " GB/s\n";
}

}  // namespace

void add_bench_command(CLI::App& app) {
  static BenchOptions o;
  auto* cmd = app.add_subcommand("bench", "Time one kernel through the public op, or training steps (after warm-up)");
  cmd->add_option("kernel", o.kernel,
                  "gemm, conv2d, conv2d_backward, softmax, add, mul_scalar, exp, sum; baselines copy (memcpy) and "
                  "stream_copy; train (whole training steps of --workload); alloc (allocate/free pairs of --n bytes)")
      ->required();
  cmd->add_option("--workload", o.workload, "train: mlp, cnn or gpt (models/runner/bench_workloads.h)");
  cmd->add_option("--seconds", o.seconds, "train: time steps for at least this long (default 3)");
  cmd->add_option("--m", o.m, "GEMM rows of A");
  cmd->add_option("--n", o.n, "Elements (elementwise, sum, copy) or GEMM columns of B");
  cmd->add_option("--k", o.k, "GEMM inner dimension");
  cmd->add_option("--batch", o.batch, "conv2d: images");
  cmd->add_option("--in-channels", o.in_channels, "conv2d: input channels");
  cmd->add_option("--out-channels", o.out_channels, "conv2d: output channels");
  cmd->add_option("--size", o.size, "conv2d: image height and width");
  cmd->add_option("--kernel-size", o.kernel_size, "conv2d: kernel height and width (odd; padding keeps the size)");
  cmd->add_option("--device", o.device, "auto, cpu, cuda or cuda:N");
  cmd->add_option("--dtype", o.dtype, "Element type (f32, f64, f16, bf16, ...)");
  cmd->add_option("--repeat", o.repeat, "Timed runs (at least 10)");
  cmd->add_option("--warmup", o.warmup, "Untimed runs (train: steps) before timing");
  cmd->add_flag("--json", o.json, "Print one JSON line");
  cmd->callback([] { run_bench(o); });
}

}  // namespace nimbus::tools
