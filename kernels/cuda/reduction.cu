// CUDA reductions: sum, mean, amax, amin, var, norm over any set of dims and any strides, and
// argmax/argmin along one dim.
//
// Note [Deterministic CUDA reductions]
// No atomics and no combination in completion order, so a result is bit-identical run to run on
// one GPU model. The input is seen as K outputs (the kept dims) by R elements (the reduced dims),
// each side through an OffsetCalculator (Note [CUDA strided indexing]). Three shapes of work, all
// chosen from the shape alone:
//  - R <= kThreadPerOutput: one thread reduces one output in element order;
//  - otherwise a block of kReduceBlock threads per (output, piece): thread t takes elements
//    t, t + kReduceBlock, ... of its piece in order, dealing them round-robin to four accumulators
//    that it then combines (a dense, aligned range goes in 16-byte packs instead, the same
//    way), and the block combines the per-thread values in a fixed tree in shared memory;
//  - few outputs with long reductions are cut into P pieces (P from K and R), each piece's result is
//    stored, and a second kernel combines the P partials of an output with the same fixed tree.
// Accumulation is the CPU's, from the same source (kernels/functors/reduction.h): double for
// floating sums, mean, var and norms, int64 for integer sums, the value type itself for amax/amin
// (exact). var is two passes (the mean, then squared deviations from it). The order of additions
// differs from the CPU's, so floating sums agree with it to rounding, not bit for bit; extremes
// and argmax/argmin are exact.
// Why not cub::DeviceReduce / DeviceSegmentedReduce: they take one contiguous range, or segments
// given by offsets, where a reduction here is any set of dims over any strides (a column sum of
// a row-major matrix, a transposed view); and their float sums may combine in a different order
// per run or per GPU model for the same shape, while these kernels fix the order by the shape
// alone. Dense sums already read at the device-to-device copy's bandwidth (bench/results/gpu-*).
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/elementwise_loops.cuh"  // Pack
#include "kernels/cuda/offset_calculator.cuh"
#include "kernels/functors/reduction.h"
#include "runtime/convert.h"

namespace nimbus::cuda {

namespace {

constexpr int kReduceBlock = 256;
constexpr int64_t kThreadPerOutput = 32;   // reductions this short run one per thread
constexpr int64_t kPieceElements = 8192;   // elements per block when an output is split
constexpr int64_t kMaxPieces = 1024;
constexpr int64_t kSplitBelowOutputs = 1024;  // outputs are split only when there are fewer

using namespace functors::reduce;

// ---- the geometry ----

struct Geometry {
  OffsetCalculator<2> kept;     // over the kept dims: offsets in `in` and in `out`
  OffsetCalculator<1> reduced;  // over the reduced dims: offsets in `in`
  int64_t K = 1, R = 1;
};

Geometry make_geometry(const Tensor& out, const Tensor& in, const std::vector<int>& dims) {
  Shape kept_shape, kept_in, kept_out, red_shape, red_in;
  for (int d = 0; d < static_cast<int>(in.dim()); ++d) {
    bool reduced = false;
    for (int r : dims) reduced = reduced || r == d;
    if (reduced) {
      red_shape.push_back(in.size(d));
      red_in.push_back(in.stride(d));
    } else {
      kept_shape.push_back(in.size(d));
      kept_in.push_back(in.stride(d));
      kept_out.push_back(out.stride(d));
    }
  }
  Geometry g;
  g.kept = OffsetCalculator<2>(kept_shape, {&kept_in, &kept_out});
  g.reduced = OffsetCalculator<1>(red_shape, {&red_in});
  g.K = shape_numel(kept_shape);
  g.R = shape_numel(red_shape);
  return g;
}

// Where results go: the output tensor at the kept offsets, or a dense array indexed by output.
template <typename Out>
struct Sink {
  Out* data;
  bool dense;
};

// ---- kernels ----

template <typename P, typename T, typename Out, typename Finish>
__global__ void reduce_thread_kernel(P op, Geometry g, const T* in, const double* center, Sink<Out> sink,
                                     Finish finish) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < g.K; k += step) {
    const auto ko = g.kept.get(k);
    const double c = center ? center[k] : 0.0;
    typename P::Acc a = op.init();
    for (int64_t r = 0; r < g.R; ++r) a = op.step(a, static_cast<compute_t<T>>(in[ko[0] + g.reduced.get(r)[0]]), c);
    sink.data[sink.dense ? k : ko[1]] = convert<Out>(finish(a));
  }
}

// Combines the block's per-thread values in a fixed tree; thread 0 gets the result.
template <typename P>
__device__ typename P::Acc block_combine(const P& op, typename P::Acc v) {
  __shared__ typename P::Acc buf[kReduceBlock];
  buf[threadIdx.x] = v;
  __syncthreads();
  for (int w = kReduceBlock / 2; w > 0; w /= 2) {
    if (static_cast<int>(threadIdx.x) < w) buf[threadIdx.x] = op.combine(buf[threadIdx.x], buf[threadIdx.x + w]);
    __syncthreads();
  }
  const typename P::Acc result = buf[0];
  __syncthreads();  // buf is reused by the next task of this block
  return result;
}

// One thread's share of a dense range x[0, len) (16-byte aligned): packs t, t + kReduceBlock, ...
// of V elements, two packs per iteration so that two 16-byte loads are in flight; element e of a
// pack goes to accumulator e % 4. The tail after the last whole pack goes element by element.
template <int V, typename P, typename T>
__device__ void accumulate_packs(const P& op, const T* x, int64_t len, double c, typename P::Acc (&acc)[4]) {
  const int64_t packs = len / V;
  int64_t q = threadIdx.x;
  for (; q + kReduceBlock < packs; q += 2 * kReduceBlock) {
    const Pack<T, V> p0 = *reinterpret_cast<const Pack<T, V>*>(x + q * V);
    const Pack<T, V> p1 = *reinterpret_cast<const Pack<T, V>*>(x + (q + kReduceBlock) * V);
    for (int e = 0; e < V; ++e) acc[e % 4] = op.step(acc[e % 4], static_cast<compute_t<T>>(p0.v[e]), c);
    for (int e = 0; e < V; ++e) acc[e % 4] = op.step(acc[e % 4], static_cast<compute_t<T>>(p1.v[e]), c);
  }
  if (q < packs) {
    const Pack<T, V> p0 = *reinterpret_cast<const Pack<T, V>*>(x + q * V);
    for (int e = 0; e < V; ++e) acc[e % 4] = op.step(acc[e % 4], static_cast<compute_t<T>>(p0.v[e]), c);
  }
  for (int64_t i = packs * V + threadIdx.x; i < len; i += kReduceBlock)
    acc[0] = op.step(acc[0], static_cast<compute_t<T>>(x[i]), c);
}

// Task = (output k, piece p) of P pieces. With P == 1 the finished value goes to the sink;
// otherwise the raw accumulator goes to partial[k * P + p]. `dense`: the reduced dims are one
// range of stride 1, which the threads read in 16-byte packs when its start is aligned (piece
// lengths are multiples of 16 elements, so every piece of an aligned range starts aligned).
template <typename P, typename T, typename Out, typename Finish>
__global__ void reduce_block_kernel(P op, Geometry g, int64_t pieces, bool dense, const T* in, const double* center,
                                    Sink<Out> sink, typename P::Acc* partial, Finish finish) {
  constexpr int V = 16 / sizeof(T) > 0 ? 16 / sizeof(T) : 1;
  const int64_t piece_len = pieces == 1 ? g.R : ((g.R + pieces - 1) / pieces + 15) / 16 * 16;
  for (int64_t task = blockIdx.x; task < g.K * pieces; task += gridDim.x) {
    const int64_t k = task / pieces, p = task % pieces;
    const auto ko = g.kept.get(k);
    const double c = center ? center[k] : 0.0;
    const int64_t r0 = p * piece_len, r1 = r0 + piece_len < g.R ? r0 + piece_len : g.R;
    // Four independent accumulators keep four loads in flight per thread (a single chain leaves
    // the memory system idle between dependent adds); they combine in a fixed order.
    typename P::Acc acc[4] = {op.init(), op.init(), op.init(), op.init()};
    const T* const range = in + ko[0] + (dense ? r0 : 0);
    if (dense && r1 > r0 && reinterpret_cast<uintptr_t>(range) % 16 == 0) {
      accumulate_packs<V>(op, range, r1 - r0, c, acc);
    } else {
      int64_t r = r0 + threadIdx.x;
      for (; r + 3 * kReduceBlock < r1; r += 4 * kReduceBlock) {
        const compute_t<T> x0 = static_cast<compute_t<T>>(in[ko[0] + g.reduced.get(r)[0]]);
        const compute_t<T> x1 = static_cast<compute_t<T>>(in[ko[0] + g.reduced.get(r + kReduceBlock)[0]]);
        const compute_t<T> x2 = static_cast<compute_t<T>>(in[ko[0] + g.reduced.get(r + 2 * kReduceBlock)[0]]);
        const compute_t<T> x3 = static_cast<compute_t<T>>(in[ko[0] + g.reduced.get(r + 3 * kReduceBlock)[0]]);
        acc[0] = op.step(acc[0], x0, c);
        acc[1] = op.step(acc[1], x1, c);
        acc[2] = op.step(acc[2], x2, c);
        acc[3] = op.step(acc[3], x3, c);
      }
      for (; r < r1; r += kReduceBlock)
        acc[0] = op.step(acc[0], static_cast<compute_t<T>>(in[ko[0] + g.reduced.get(r)[0]]), c);
    }
    typename P::Acc a = block_combine(op, op.combine(op.combine(acc[0], acc[1]), op.combine(acc[2], acc[3])));
    if (threadIdx.x == 0) {
      if (pieces == 1) sink.data[sink.dense ? k : ko[1]] = convert<Out>(finish(a));
      else partial[task] = a;
    }
  }
}

template <typename P, typename Out, typename Finish>
__global__ void combine_pieces_kernel(P op, Geometry g, int64_t pieces, const typename P::Acc* partial,
                                      Sink<Out> sink, Finish finish) {
  for (int64_t k = blockIdx.x; k < g.K; k += gridDim.x) {
    typename P::Acc a = op.init();
    for (int64_t p = threadIdx.x; p < pieces; p += kReduceBlock) a = op.combine(a, partial[k * pieces + p]);
    a = block_combine(op, a);
    if (threadIdx.x == 0) sink.data[sink.dense ? k : g.kept.get(k)[1]] = convert<Out>(finish(a));
  }
}

// Runs policy `op` over the geometry and writes finish(acc) to the sink.
template <typename P, typename T, typename Out, typename Finish>
void run(const P& op, const Geometry& g, const T* in, const double* center, Sink<Out> sink, Device device,
         const Finish& finish) {
  if (g.K == 0) return;
  const cudaStream_t stream = current_cuda_stream(device);
  if (g.R <= kThreadPerOutput) {
    reduce_thread_kernel<<<blocks_for(g.K), kBlockSize, 0, stream>>>(op, g, in, center, sink, finish);
    NIMBUS_CUDA_CHECK_LAUNCH();
    return;
  }
  int64_t pieces = 1;
  if (g.K < kSplitBelowOutputs) pieces = std::min(kMaxPieces, (g.R + kPieceElements - 1) / kPieceElements);
  if (pieces < 1) pieces = 1;
  using Acc = typename P::Acc;
  Tensor partial;  // freed in stream order: the allocator reuses it only after this stream's work
  if (pieces > 1) partial = empty({g.K * pieces * static_cast<int64_t>(sizeof(Acc))}, {DType::u8, device});
  Acc* const pp = pieces > 1 ? static_cast<Acc*>(partial.data_ptr()) : nullptr;
  const bool dense = g.reduced.linear() && g.reduced.linear_stride(0) == 1;
  reduce_block_kernel<<<blocks_for(g.K * pieces, 1), kReduceBlock, 0, stream>>>(op, g, pieces, dense, in, center,
                                                                               sink, pp, finish);
  NIMBUS_CUDA_CHECK_LAUNCH();
  if (pieces > 1) {
    combine_pieces_kernel<<<blocks_for(g.K, 1), kReduceBlock, 0, stream>>>(op, g, pieces, pp, sink, finish);
    NIMBUS_CUDA_CHECK_LAUNCH();
  }
}

struct Same {
  template <typename A> NIMBUS_INLINE A operator()(A a) const { return a; }
};
struct DivideBy {
  double divisor;
  NIMBUS_INLINE double operator()(double a) const { return a / divisor; }
};
struct Sqrt {
  NIMBUS_INLINE double operator()(double a) const { return ::sqrt(a); }
};
struct Root {
  double inv_p;
  NIMBUS_INLINE double operator()(double a) const { return ::pow(a, inv_p); }
};

template <typename T, NormKind kKind, typename Finish>
void norm_into(const Tensor& out, const Geometry& g, const T* x, double p, const Finish& finish) {
  NormOp<T, kKind> op;
  op.p = p;
  run(op, g, x, nullptr, Sink<T>{static_cast<T*>(out.data_ptr()), false}, out.device(), finish);
}

void reduce_kernel(ReduceOp op, const Tensor& out, const Tensor& in, const std::vector<int>& dims,
                   const ReduceArgs& args) {
  const Geometry g = make_geometry(out, in, dims);
  if (g.K == 0) return;
  DeviceScope scope(in.device().index);
  const Device device = in.device();
  const double n = static_cast<double>(g.R);
  NIMBUS_DISPATCH(in.dtype(), "reduce", [&]<typename T>() {
    const T* x = static_cast<const T*>(in.data_ptr());
    const Sink<T> to_out{static_cast<T*>(out.data_ptr()), false};
    switch (op) {
      case ReduceOp::sum:
        if constexpr (kFloating<T>) return run(SumOp<T>{}, g, x, nullptr, to_out, device, Same{});
        else return run(SumOp<T>{}, g, x, nullptr, Sink<int64_t>{static_cast<int64_t*>(out.data_ptr()), false}, device,
                        Same{});
      case ReduceOp::amax: return run(ExtremeOp<T, true>{}, g, x, nullptr, to_out, device, Same{});
      case ReduceOp::amin: return run(ExtremeOp<T, false>{}, g, x, nullptr, to_out, device, Same{});
      default: break;
    }
    if constexpr (kFloating<T>) {
      switch (op) {
        case ReduceOp::mean: return run(SumOp<T>{}, g, x, nullptr, to_out, device, DivideBy{n});
        case ReduceOp::var: {
          // Pass 1: the mean of every output, in double. Pass 2: squared deviations from it.
          const Tensor mean = empty({g.K}, {DType::f64, device});
          double* const pm = static_cast<double*>(mean.data_ptr());
          run(SumOp<T>{}, g, x, nullptr, Sink<double>{pm, true}, device, DivideBy{n});
          // As PyTorch: the divisor is max(0, N - correction), so too few elements give nan or inf.
          const double divisor = std::max(0.0, n - static_cast<double>(args.correction));
          return run(CenteredSquaresOp<T>{}, g, x, pm, to_out, device, DivideBy{divisor});
        }
        case ReduceOp::norm: {
          const double p = args.p;
          if (p == 2.0) return norm_into<T, NormKind::two>(out, g, x, p, Sqrt{});
          if (p == 1.0) return norm_into<T, NormKind::one>(out, g, x, p, Same{});
          if (p == 0.0) return norm_into<T, NormKind::zero>(out, g, x, p, Same{});
          if (std::isinf(p)) {
            if (p > 0) return norm_into<T, NormKind::inf>(out, g, x, p, Same{});
            return norm_into<T, NormKind::neg_inf>(out, g, x, p, Same{});
          }
          return norm_into<T, NormKind::general>(out, g, x, p, Root{1.0 / p});
        }
        default: break;
      }
    }
    NIMBUS_THROW(DTypeError, "reduce op ", static_cast<int>(op), " is not defined for ", dtype_name(in.dtype()));
  });
}

// ---- argmax / argmin ----

// The first index of the best value; a NaN beats every number and the first NaN beats later ones
// (PyTorch's rule). Index -1 marks "no element yet". The rule is a total order on (value, index),
// so any combination tree gives the sequential scan's answer.
template <typename C, bool kMax>
struct Best {
  C value;
  int64_t index;

  NIMBUS_INLINE static bool beats(C x, int64_t xi, C v, int64_t vi) {
    if (xi < 0) return false;
    if (vi < 0) return true;
    if (is_nan(v)) return is_nan(x) && xi < vi;
    if (is_nan(x)) return true;
    if (kMax ? x > v : x < v) return true;
    return x == v && xi < vi;
  }
};

template <typename T, bool kMax>
__global__ void arg_reduce_kernel(OffsetCalculator<2> lines, int64_t K, int64_t n, int64_t s, const T* in,
                                  int64_t* out) {
  using C = compute_t<T>;
  using B = Best<C, kMax>;
  __shared__ C values[kReduceBlock];
  __shared__ int64_t indices[kReduceBlock];
  for (int64_t k = blockIdx.x; k < K; k += gridDim.x) {
    const auto ko = lines.get(k);
    C best = C(0);
    int64_t bi = -1;
    for (int64_t i = threadIdx.x; i < n; i += kReduceBlock) {
      const C x = static_cast<C>(in[ko[0] + i * s]);
      if (B::beats(x, i, best, bi)) {
        best = x;
        bi = i;
      }
    }
    values[threadIdx.x] = best;
    indices[threadIdx.x] = bi;
    __syncthreads();
    for (int w = kReduceBlock / 2; w > 0; w /= 2) {
      const int t = threadIdx.x;
      if (t < w && B::beats(values[t + w], indices[t + w], values[t], indices[t])) {
        values[t] = values[t + w];
        indices[t] = indices[t + w];
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) out[ko[1]] = indices[0];
    __syncthreads();
  }
}

void arg_reduce_kernel_host(bool is_max, const Tensor& out, const Tensor& in, int dim) {
  Shape kept_shape, kept_in, kept_out;
  for (int d = 0; d < static_cast<int>(in.dim()); ++d) {
    if (d == dim) continue;
    kept_shape.push_back(in.size(d));
    kept_in.push_back(in.stride(d));
    kept_out.push_back(out.stride(d));
  }
  const OffsetCalculator<2> lines(kept_shape, {&kept_in, &kept_out});
  const int64_t K = shape_numel(kept_shape), n = in.size(dim), s = in.stride(dim);
  if (K == 0) return;
  DeviceScope scope(in.device().index);
  const cudaStream_t stream = current_cuda_stream(in.device());
  NIMBUS_DISPATCH(in.dtype(), is_max ? "argmax" : "argmin", [&]<typename T>() {
    const T* x = static_cast<const T*>(in.data_ptr());
    int64_t* o = static_cast<int64_t*>(out.data_ptr());
    if (is_max) arg_reduce_kernel<T, true><<<blocks_for(K, 1), kReduceBlock, 0, stream>>>(lines, K, n, s, x, o);
    else arg_reduce_kernel<T, false><<<blocks_for(K, 1), kReduceBlock, 0, stream>>>(lines, K, n, s, x, o);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace

void fill_reduction_kernels(KernelTable& table) {
  table.reduce = reduce_kernel;
  table.arg_reduce = arg_reduce_kernel_host;
}

}  // namespace nimbus::cuda
