// CPU reductions: sum, mean, amax, amin, var, norm over any set of dims and any strides.
//
// Design. The kept dims and the reduced dims are coalesced separately (reduction_loops.h), which
// leaves three shapes of work:
//  (a) the reduced dims form one contiguous innermost block (row sums, or the full reduction of a
//      contiguous tensor): each output reduces a contiguous run with kLanes interleaved
//      accumulators, a loop the compiler turns into SIMD code with enough independent adds to
//      hide their latency, so a large sum runs at memory bandwidth;
//  (b) the innermost, stride-1 dim is kept (column sums): rows are added into a vector of
//      accumulators, so memory is read sequentially instead of with a stride per output;
//  (c) anything else: runs along the innermost reduced dim, with a stride.
// Accumulation is wider than the data: double for every floating dtype (f16/bf16/f32/f64), int64
// for integers and bool, the type itself for amax/amin (exact). var is two-pass in double (mean,
// then the sum of squared deviations): more accurate than Welford, and it vectorizes.
//
// Determinism. A reduction is cut into fixed pieces (kChunk elements in (a)/(c), at least 64
// rows in (b)) that depend only on the shape. Each piece has a fixed internal order, and pieces
// are combined in index order, whether threads take whole outputs (many outputs) or pieces of
// one output (few outputs, e.g. a full reduction). No atomics, nothing combined in completion
// order: results are bit-identical run to run, and do not depend on the thread count either.
#include <cmath>
#include <cstdlib>
#include <type_traits>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/reduction_loops.h"
#include "kernels/functors/reduction.h"
#include "runtime/convert.h"
#include "runtime/parallel.h"

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace nimbus::cpu {

namespace {

constexpr int kLanes = 32;  // independent accumulators of a contiguous run

// Converts kLanes contiguous elements to the compute type. Only Half is staged this way: its
// portable conversion branches and does not vectorize, while F16C (part of the x86-64-v3
// baseline) converts exactly too.
template <typename T>
NIMBUS_INLINE void load_lanes(const T* x, compute_t<T>* out) {
#if defined(__F16C__)
  if constexpr (std::is_same_v<T, Half>) {
    for (int l = 0; l < kLanes; l += 8)
      _mm256_storeu_ps(out + l, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + l))));
    return;
  }
#endif
  for (int l = 0; l < kLanes; ++l) out[l] = static_cast<compute_t<T>>(x[l]);
}

using namespace functors::reduce;

// ---- the geometry of one reduction ----

struct Geometry {
  Dims<2> kept;     // kept dims: strides of in and of out
  Dims<1> reduced;  // reduced dims, smallest stride innermost; at least one dim
  int64_t K = 1, R = 1;
};

Geometry make_geometry(const Tensor& out, const Tensor& in, const std::vector<int>& dims) {
  Geometry g;
  std::vector<int> kept, reduced(dims.begin(), dims.end());
  for (int d = 0; d < static_cast<int>(in.dim()); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) kept.push_back(d);
  g.kept = coalesce<2>(in.shape(), {&in.strides(), &out.strides()}, kept);
  // The order reduced dims are walked in is free: largest stride outermost gives the longest runs.
  std::stable_sort(reduced.begin(), reduced.end(),
                   [&](int a, int b) { return std::abs(in.stride(a)) > std::abs(in.stride(b)); });
  g.reduced = coalesce<1>(in.shape(), {&in.strides()}, reduced);
  if (g.reduced.ndim() == 0) g.reduced.push(1, {1});  // only size-1 dims: one element per output
  g.K = g.kept.numel();
  g.R = 1;
  for (int d : dims) g.R *= in.size(d);
  return g;
}

// ---- (a) and (c): each output reduces its own run(s) ----

// Reduces n elements at stride `s` starting at x: kLanes interleaved accumulators, then a fixed
// pairwise combination. Short runs go straight into one accumulator.
template <typename P, typename T>
typename P::Acc reduce_run(const P& op, const T* x, int64_t n, int64_t s, double c) {
  using Acc = typename P::Acc;
  using C = compute_t<T>;
  Acc a = op.init();
  if (n < 2 * kLanes) {
    for (int64_t i = 0; i < n; ++i) a = op.step(a, static_cast<C>(x[i * s]), c);
    return a;
  }
  Acc lane[kLanes];
  for (int l = 0; l < kLanes; ++l) lane[l] = a;
  int64_t i = 0;
  // `omp simd` makes GCC vectorize the lane loop also when step() has a compare and select.
  if (s == 1 && std::is_same_v<T, Half>) {
    for (; i + kLanes <= n; i += kLanes) {
      C v[kLanes];
      load_lanes(x + i, v);
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) lane[l] = op.step(lane[l], v[l], c);
    }
  } else if (s == 1) {  // direct loads: a staging array costs store-to-load forwarding here
    for (; i + kLanes <= n; i += kLanes) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) lane[l] = op.step(lane[l], static_cast<C>(x[i + l]), c);
    }
  } else {
    for (; i + kLanes <= n; i += kLanes) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) lane[l] = op.step(lane[l], static_cast<C>(x[(i + l) * s]), c);
    }
  }
  for (int l = 0; i < n; ++i, ++l) lane[l] = op.step(lane[l], static_cast<C>(x[i * s]), c);
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int l = 0; l < w; ++l) lane[l] = op.combine(lane[l], lane[l + w]);
  return lane[0];
}

template <typename P, typename T, typename Sink>
void reduce_runs(const P& op, const Geometry& g, const T* in, const double* center, const Sink& sink) {
  using Acc = typename P::Acc;
  const int64_t inner = g.reduced.size[0], inner_stride = g.reduced.stride[0][0];
  const bool contiguous = g.reduced.ndim() == 1 && (inner_stride == 1 || inner == 1);
  const Dims<1> outer = g.reduced.outer();
  const int64_t R = g.R, chunks = ceil_div(R, kChunk);

  // Reduced positions [r0, r1) of the output whose input starts at `base`.
  auto piece = [&](Odometer<1>& walk, int64_t base, int64_t r0, int64_t r1, double c) -> Acc {
    if (contiguous) return reduce_run(op, in + base + r0, r1 - r0, 1, c);
    Acc acc{};
    int64_t i0 = r0 % inner;
    walk.seek(r0 / inner);
    for (int64_t r = r0; r < r1; i0 = 0, walk.next()) {
      const int64_t n = std::min(inner - i0, r1 - r);
      const Acc a = reduce_run(op, in + base + walk.offset() + i0 * inner_stride, n, inner_stride, c);
      acc = r == r0 ? a : op.combine(acc, a);
      r += n;
    }
    return acc;
  };
  auto center_of = [&](int64_t k) { return P::kCentered ? center[k] : 0.0; };

  if (chunks == 1 || g.K >= max_threads()) {
    // Threads take whole outputs; each folds its pieces in order.
    parallel_for(g.K, std::max<int64_t>(1, kDefaultGrain / R), [&](int64_t begin, int64_t end) {
      Odometer<2> out_walk(g.kept);
      Odometer<1> walk(outer);
      out_walk.seek(begin);
      for (int64_t k = begin; k < end; ++k, out_walk.next()) {
        const double c = center_of(k);
        Acc acc = piece(walk, out_walk.offset(0), 0, std::min(R, kChunk), c);
        for (int64_t ch = 1; ch < chunks; ++ch)
          acc = op.combine(acc, piece(walk, out_walk.offset(0), ch * kChunk, std::min(R, (ch + 1) * kChunk), c));
        sink(k, out_walk.offset(1), acc);
      }
    });
    return;
  }
  // Few outputs, long reductions: threads take pieces; the partials are folded in order after.
  std::vector<Acc> partial(static_cast<size_t>(g.K * chunks));
  parallel_for(g.K * chunks, 1, [&](int64_t begin, int64_t end) {
    Odometer<2> out_walk(g.kept);
    Odometer<1> walk(outer);
    for (int64_t t = begin; t < end; ++t) {
      const int64_t k = t / chunks, ch = t % chunks;
      out_walk.seek(k);
      partial[t] = piece(walk, out_walk.offset(0), ch * kChunk, std::min(R, (ch + 1) * kChunk), center_of(k));
    }
  });
  Odometer<2> out_walk(g.kept);
  out_walk.seek(0);
  for (int64_t k = 0; k < g.K; ++k, out_walk.next()) {
    Acc acc = partial[k * chunks];
    for (int64_t ch = 1; ch < chunks; ++ch) acc = op.combine(acc, partial[k * chunks + ch]);
    sink(k, out_walk.offset(1), acc);
  }
}

// ---- (b) the innermost kept dim is contiguous: accumulate whole rows ----

template <typename P, typename T, typename Sink>
void reduce_columns(const P& op, const Geometry& g, const T* in, const double* center, const Sink& sink) {
  using Acc = typename P::Acc;
  using C = compute_t<T>;
  const int64_t L = g.kept.size[0], out_stride = g.kept.stride[1][0];
  const int64_t groups = g.K / L, R = g.R;
  const Dims<2> outer = g.kept.outer();
  const int64_t rows_per_piece = std::max<int64_t>(64, kChunk / L), pieces = ceil_div(R, rows_per_piece);
  // Accumulators that fit in L1 take whole rows one at a time (one sequential stream). Wider rows
  // go in blocks of kColumns, four rows per pass: four streams hide the restart of the hardware
  // prefetch at every row, and the accumulators are loaded and stored a quarter as often (also
  // the better choice for very short rows, where the per-row overhead dominates). Measured on a
  // [M, N] f32 column sum; neither choice changes the arithmetic: each column still takes its
  // rows one by one, in order.
  const bool narrow = L * static_cast<int64_t>(sizeof(Acc)) <= 16384;
  const int64_t width = narrow ? L : kColumns, blocks = ceil_div(L, width);
  const bool four_rows = !narrow || L <= 16;

  // part[0, n) = the reduction over rows [r0, r1) of columns [j0, j0 + n) of a group.
  auto rows = [&](Odometer<1>& walk, int64_t base, int64_t k0, int64_t r0, int64_t r1, int64_t n, Acc* part) {
    const double* c = P::kCentered ? center + k0 : nullptr;
    auto center_at = [&](int64_t j) { return P::kCentered ? c[j] : 0.0; };
    for (int64_t j = 0; j < n; ++j) part[j] = op.init();
    walk.seek(r0);
    int64_t r = r0;
    for (; four_rows && r + 4 <= r1; r += 4) {
      const T* x[4];
      for (int i = 0; i < 4; ++i, walk.next()) x[i] = in + base + walk.offset();
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) {
        const double cj = center_at(j);
        Acc a = part[j];
        for (int i = 0; i < 4; ++i) a = op.step(a, static_cast<C>(x[i][j]), cj);
        part[j] = a;
      }
    }
    for (; r < r1; ++r, walk.next()) {
      const T* x = in + base + walk.offset();
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) part[j] = op.step(part[j], static_cast<C>(x[j]), center_at(j));
    }
  };

  if (pieces == 1 || groups * blocks >= max_threads()) {
    // Threads take blocks of columns; each folds its row pieces in order.
    parallel_for(groups * blocks, std::max<int64_t>(1, kDefaultGrain / (width * R)), [&](int64_t begin, int64_t end) {
      Odometer<2> group_walk(outer);
      Odometer<1> walk(g.reduced);
      std::vector<Acc> acc(static_cast<size_t>(width)), part(static_cast<size_t>(width));
      for (int64_t t = begin; t < end; ++t) {
        const int64_t group = t / blocks, j0 = (t % blocks) * width, n = std::min(width, L - j0);
        group_walk.seek(group);
        const int64_t base = group_walk.offset(0) + j0, k0 = group * L + j0;
        for (int64_t p = 0; p < pieces; ++p) {
          rows(walk, base, k0, p * rows_per_piece, std::min(R, (p + 1) * rows_per_piece), n, p ? part.data() : acc.data());
          if (p)
            for (int64_t j = 0; j < n; ++j) acc[j] = op.combine(acc[j], part[j]);
        }
        for (int64_t j = 0; j < n; ++j) sink(k0 + j, group_walk.offset(1) + (j0 + j) * out_stride, acc[j]);
      }
    });
    return;
  }
  // Few column blocks: threads take row pieces; the partial rows are folded in order after.
  std::vector<Acc> partial(static_cast<size_t>(groups * pieces * L));
  parallel_for(groups * pieces, 1, [&](int64_t begin, int64_t end) {
    Odometer<2> group_walk(outer);
    Odometer<1> walk(g.reduced);
    for (int64_t t = begin; t < end; ++t) {
      const int64_t group = t / pieces, p = t % pieces;
      group_walk.seek(group);
      for (int64_t j0 = 0; j0 < L; j0 += width)
        rows(walk, group_walk.offset(0) + j0, group * L + j0, p * rows_per_piece,
             std::min(R, (p + 1) * rows_per_piece), std::min(width, L - j0), &partial[t * L + j0]);
    }
  });
  // The fold walks the partial rows in order, a block of columns at a time (sequential reads).
  const int64_t fold_width = std::min(L, kColumns), fold_blocks = ceil_div(L, fold_width);
  parallel_for(groups * fold_blocks, std::max<int64_t>(1, kDefaultGrain / (fold_width * pieces)),
               [&](int64_t begin, int64_t end) {
                 Odometer<2> group_walk(outer);
                 std::vector<Acc> acc(static_cast<size_t>(fold_width));
                 for (int64_t t = begin; t < end; ++t) {
                   const int64_t group = t / fold_blocks, j0 = (t % fold_blocks) * fold_width;
                   const int64_t n = std::min(fold_width, L - j0);
                   const Acc* part = &partial[group * pieces * L + j0];
                   for (int64_t j = 0; j < n; ++j) acc[j] = part[j];
                   for (int64_t p = 1; p < pieces; ++p)
                     for (int64_t j = 0; j < n; ++j) acc[j] = op.combine(acc[j], part[p * L + j]);
                   group_walk.seek(group);
                   for (int64_t j = 0; j < n; ++j)
                     sink(group * L + j0 + j, group_walk.offset(1) + (j0 + j) * out_stride, acc[j]);
                 }
               });
}

// Chooses the path; sink(k, out_offset, acc) receives output k (row-major over the kept dims).
template <typename P, typename T, typename Sink>
void run(const P& op, const Geometry& g, const T* in, const double* center, const Sink& sink) {
  if (g.R == 0) {  // nothing to reduce: every output is the identity
    Odometer<2> out_walk(g.kept);
    out_walk.seek(0);
    for (int64_t k = 0; k < g.K; ++k, out_walk.next()) sink(k, out_walk.offset(1), op.init());
    return;
  }
  const bool rows_contiguous = g.reduced.ndim() == 1 && g.reduced.stride[0][0] == 1;
  if (!rows_contiguous && g.kept.ndim() > 0 && g.kept.stride[0][0] == 1) return reduce_columns(op, g, in, center, sink);
  reduce_runs(op, g, in, center, sink);
}

// Runs `op` and writes finish(acc) to `out` as Out.
template <typename Out, typename P, typename T, typename Finish>
void run_into(const Tensor& out, const P& op, const Geometry& g, const T* in, const double* center,
              const Finish& finish) {
  Out* const o = static_cast<Out*>(out.data_ptr());
  run(op, g, in, center, [&](int64_t, int64_t offset, typename P::Acc acc) { o[offset] = convert<Out>(finish(acc)); });
}

template <typename T, NormKind kKind>
void norm_into(const Tensor& out, const Geometry& g, const T* in, double p) {
  NormOp<T, kKind> op;
  op.p = p;
  run_into<T>(out, op, g, in, nullptr, [&](double a) {
    if constexpr (kKind == NormKind::two) return std::sqrt(a);
    else if constexpr (kKind == NormKind::general) return std::pow(a, 1.0 / p);
    else return a;
  });
}

void reduce_kernel(ReduceOp op, const Tensor& out, const Tensor& in, const std::vector<int>& dims,
                   const ReduceArgs& args) {
  const Geometry g = make_geometry(out, in, dims);
  if (g.K == 0) return;
  const double n = static_cast<double>(g.R);
  NIMBUS_DISPATCH(in.dtype(), "reduce", [&]<typename T>() {
    const T* x = static_cast<const T*>(in.data_ptr());
    auto same = [](auto a) { return a; };
    switch (op) {
      case ReduceOp::sum:
        if constexpr (kFloating<T>) return run_into<T>(out, SumOp<T>{}, g, x, nullptr, same);
        else return run_into<int64_t>(out, SumOp<T>{}, g, x, nullptr, same);
      case ReduceOp::amax: return run_into<T>(out, ExtremeOp<T, true>{}, g, x, nullptr, same);
      case ReduceOp::amin: return run_into<T>(out, ExtremeOp<T, false>{}, g, x, nullptr, same);
      default: break;
    }
    if constexpr (kFloating<T>) {
      switch (op) {
        case ReduceOp::mean:
          return run_into<T>(out, SumOp<T>{}, g, x, nullptr, [&](double a) { return a / n; });
        case ReduceOp::var: {
          // Pass 1: the mean of every output, in double. Pass 2: squared deviations from it.
          std::vector<double> mean(static_cast<size_t>(g.K));
          run(SumOp<T>{}, g, x, nullptr, [&](int64_t k, int64_t, double a) { mean[k] = a / n; });
          // As PyTorch: the divisor is max(0, N - correction), so too few elements give nan or inf.
          const double divisor = std::max(0.0, n - static_cast<double>(args.correction));
          return run_into<T>(out, CenteredSquaresOp<T>{}, g, x, mean.data(), [&](double a) { return a / divisor; });
        }
        case ReduceOp::norm: {
          const double p = args.p;
          if (p == 2.0) return norm_into<T, NormKind::two>(out, g, x, p);
          if (p == 1.0) return norm_into<T, NormKind::one>(out, g, x, p);
          if (p == 0.0) return norm_into<T, NormKind::zero>(out, g, x, p);
          if (std::isinf(p)) {
            if (p > 0) return norm_into<T, NormKind::inf>(out, g, x, p);
            return norm_into<T, NormKind::neg_inf>(out, g, x, p);
          }
          return norm_into<T, NormKind::general>(out, g, x, p);
        }
        default: break;
      }
    }
    NIMBUS_THROW(DTypeError, "reduce op ", static_cast<int>(op), " is not defined for ", dtype_name(in.dtype()));
  });
}

}  // namespace

void fill_reduction_kernels(KernelTable& table) {
  table.reduce = reduce_kernel;
  table.arg_reduce = arg_reduce_kernel;
  table.cumsum = cumsum_kernel;
}

}  // namespace nimbus::cpu
