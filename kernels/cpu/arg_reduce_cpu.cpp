// CPU argmax / argmin along one dim.
//
// The answer is exact (an index, no rounding), so any split of the work gives the same result as
// long as partial answers are combined by the same rule: the first index of the best value, where
// a NaN beats every number and the first NaN beats later ones (PyTorch's rule). Lines along the
// dim are scanned one per output; when the dim is not the contiguous one but the innermost kept
// dim is, rows are compared lane by lane against vectors of running bests (sequential reads).
// A few long lines are split into fixed pieces so that threads share them.
#include <cmath>
#include <type_traits>

#include "kernels/cpu/reduction_loops.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

namespace {

// Whether x replaces the running best.
template <typename C, bool kMax>
NIMBUS_INLINE bool better(C x, C best) {
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(best)) return false;
    if (std::isnan(x)) return true;
  }
  return kMax ? x > best : x < best;
}

template <typename C>
struct Best {
  C value;
  int64_t index;
};

// Lines along `dim` whose innermost kept dim is contiguous: compare whole rows.
template <typename T, bool kMax>
void arg_columns(int64_t* o, const T* x, const Dims<2>& lines, int64_t n, int64_t s) {
  using C = compute_t<T>;
  const int64_t L = lines.size[0], out_stride = lines.stride[1][0], groups = lines.numel() / L;
  const Dims<2> outer = lines.outer();
  const int64_t blocks = ceil_div(L, kColumns);
  const int64_t rows_per_piece = std::max<int64_t>(64, kChunk / L), pieces = ceil_div(n, rows_per_piece);

  // best/index[0, cnt) = the answer over rows [r0, r1) of columns starting at x + base.
  auto rows = [&](int64_t base, int64_t r0, int64_t r1, int64_t cnt, C* best, int64_t* index) {
    for (int64_t j = 0; j < cnt; ++j) {
      best[j] = static_cast<C>(x[base + r0 * s + j]);
      index[j] = r0;
    }
    for (int64_t r = r0 + 1; r < r1; ++r) {
      const T* p = x + base + r * s;
      for (int64_t j = 0; j < cnt; ++j) {
        const C v = static_cast<C>(p[j]);
        if (better<C, kMax>(v, best[j])) {
          best[j] = v;
          index[j] = r;
        }
      }
    }
  };

  if (pieces == 1 || groups * blocks >= max_threads()) {
    parallel_for(groups * blocks, std::max<int64_t>(1, kDefaultGrain / (std::min(L, kColumns) * n)),
                 [&](int64_t begin, int64_t end) {
                   Odometer<2> walk(outer);
                   C best[kColumns];
                   int64_t index[kColumns];
                   for (int64_t t = begin; t < end; ++t) {
                     const int64_t group = t / blocks, j0 = (t % blocks) * kColumns, cnt = std::min(kColumns, L - j0);
                     walk.seek(group);
                     rows(walk.offset(0) + j0, 0, n, cnt, best, index);
                     for (int64_t j = 0; j < cnt; ++j) o[walk.offset(1) + (j0 + j) * out_stride] = index[j];
                   }
                 });
    return;
  }
  // Few, long columns: threads take row pieces; the pieces' answers are combined in order.
  std::vector<C> best(static_cast<size_t>(groups * pieces * L));
  std::vector<int64_t> index(best.size());
  parallel_for(groups * pieces, 1, [&](int64_t begin, int64_t end) {
    Odometer<2> walk(outer);
    for (int64_t t = begin; t < end; ++t) {
      const int64_t group = t / pieces, p = t % pieces;
      walk.seek(group);
      rows(walk.offset(0), p * rows_per_piece, std::min(n, (p + 1) * rows_per_piece), L, &best[t * L], &index[t * L]);
    }
  });
  Odometer<2> walk(outer);
  walk.seek(0);
  for (int64_t group = 0; group < groups; ++group, walk.next()) {
    for (int64_t j = 0; j < L; ++j) {
      size_t winner = static_cast<size_t>(group * pieces * L + j);
      for (int64_t p = 1; p < pieces; ++p) {
        const size_t candidate = static_cast<size_t>((group * pieces + p) * L + j);
        if (better<C, kMax>(best[candidate], best[winner])) winner = candidate;
      }
      o[walk.offset(1) + j * out_stride] = index[winner];
    }
  }
}

template <typename T, bool kMax>
void arg_lines(const Tensor& out, const Tensor& in, int dim) {
  using C = compute_t<T>;
  const T* const x = static_cast<const T*>(in.data_ptr());
  int64_t* const o = static_cast<int64_t*>(out.data_ptr());
  const Dims<2> lines = lines_of(out, in, dim);
  const int64_t K = lines.numel(), n = in.size(dim), s = in.stride(dim);
  if (K == 0) return;
  NIMBUS_CHECK_T(ShapeError, n > 0, "arg_reduce: dim ", dim, " is empty");
  if (lines.ndim() > 0 && lines.stride[0][0] == 1 && s != 1 && n > 1) return arg_columns<T, kMax>(o, x, lines, n, s);

  // The answer over [i0, i1) of the line starting at x + base.
  auto scan = [&](int64_t base, int64_t i0, int64_t i1) {
    Best<C> best{static_cast<C>(x[base + i0 * s]), i0};
    for (int64_t i = i0 + 1; i < i1; ++i) {
      const C v = static_cast<C>(x[base + i * s]);
      if (better<C, kMax>(v, best.value)) best = {v, i};
      if constexpr (std::is_floating_point_v<C>) {
        if (std::isnan(best.value)) break;  // nothing beats the first NaN
      }
    }
    return best;
  };
  const int64_t pieces = ceil_div(n, kChunk);
  if (pieces == 1 || K >= max_threads()) {
    parallel_for(K, std::max<int64_t>(1, kDefaultGrain / n), [&](int64_t begin, int64_t end) {
      Odometer<2> walk(lines);
      walk.seek(begin);
      for (int64_t k = begin; k < end; ++k, walk.next()) o[walk.offset(1)] = scan(walk.offset(0), 0, n).index;
    });
    return;
  }
  std::vector<Best<C>> partial(static_cast<size_t>(K * pieces));
  parallel_for(K * pieces, 1, [&](int64_t begin, int64_t end) {
    Odometer<2> walk(lines);
    for (int64_t t = begin; t < end; ++t) {
      walk.seek(t / pieces);
      const int64_t p = t % pieces;
      partial[t] = scan(walk.offset(0), p * kChunk, std::min(n, (p + 1) * kChunk));
    }
  });
  Odometer<2> walk(lines);
  walk.seek(0);
  for (int64_t k = 0; k < K; ++k, walk.next()) {
    Best<C> best = partial[k * pieces];
    for (int64_t p = 1; p < pieces; ++p)
      if (better<C, kMax>(partial[k * pieces + p].value, best.value)) best = partial[k * pieces + p];
    o[walk.offset(1)] = best.index;
  }
}

}  // namespace

void arg_reduce_kernel(bool is_max, const Tensor& out, const Tensor& in, int dim) {
  NIMBUS_DISPATCH(in.dtype(), "arg_reduce", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      NIMBUS_THROW(DTypeError, is_max ? "argmax" : "argmin", ": not defined for bool tensors");
    } else {
      if (is_max) return arg_lines<T, true>(out, in, dim);
      return arg_lines<T, false>(out, in, dim);
    }
  });
}

}  // namespace nimbus::cpu
