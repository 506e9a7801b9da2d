// CPU cumulative sum along one dim.
//
// Sums accumulate in double for floating dtypes and in int64 for integers and bool. Every line
// along the dim is cut into fixed pieces of kChunk elements; element i of piece c is
//   carry[c] + (x[first of c] + ... + x[i]),   carry[0] = 0, carry[c + 1] = carry[c] + total[c],
// on every path. That definition lets a few long lines be scanned in parallel (pass 1: piece
// totals; the carries in order; pass 2: the pieces again) with exactly the same result as the
// sequential loop, so results never depend on the thread count. When the dim is not the contiguous
// one but the innermost other dim is, whole rows are added lane by lane (sequential reads).
#include <type_traits>

#include "kernels/cpu/reduction_loops.h"
#include "runtime/convert.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

namespace {

// Minimum contiguous columns for the row-by-row path; narrower tensors scan line by line.
constexpr int64_t kMinColumns = 16;

template <typename T, typename Out>
void cumsum_typed(const Tensor& out, const Tensor& in, int dim) {
  using Acc = std::conditional_t<std::is_floating_point_v<compute_t<T>>, double, int64_t>;
  const T* const x = static_cast<const T*>(in.data_ptr());
  Out* const o = static_cast<Out*>(out.data_ptr());
  const Dims<2> lines = lines_of(out, in, dim);
  const int64_t K = lines.numel(), n = in.size(dim), s = in.stride(dim), so = out.stride(dim);
  if (K == 0 || n == 0) return;
  auto load = [](T v) { return static_cast<Acc>(static_cast<compute_t<T>>(v)); };

  if (lines.ndim() > 0 && lines.stride[0][0] == 1 && s != 1 && lines.size[0] >= kMinColumns) {
    const int64_t L = lines.size[0], out_stride = lines.stride[1][0], groups = K / L, blocks = ceil_div(L, kColumns);
    const Dims<2> outer = lines.outer();
    parallel_for(groups * blocks, std::max<int64_t>(1, kDefaultGrain / (std::min(L, kColumns) * n)),
                 [&](int64_t begin, int64_t end) {
                   Odometer<2> walk(outer);
                   Acc carry[kColumns], local[kColumns];
                   for (int64_t t = begin; t < end; ++t) {
                     const int64_t group = t / blocks, j0 = (t % blocks) * kColumns, cnt = std::min(kColumns, L - j0);
                     walk.seek(group);
                     const T* const xb = x + walk.offset(0) + j0;
                     Out* const ob = o + walk.offset(1) + j0 * out_stride;
                     for (int64_t j = 0; j < cnt; ++j) carry[j] = local[j] = Acc(0);
                     for (int64_t r = 0; r < n; ++r) {
                       const T* p = xb + r * s;
                       Out* q = ob + r * so;
                       for (int64_t j = 0; j < cnt; ++j) {
                         local[j] += load(p[j]);
                         q[j * out_stride] = convert<Out>(carry[j] + local[j]);
                       }
                       if ((r + 1) % kChunk == 0) {
                         for (int64_t j = 0; j < cnt; ++j) {
                           carry[j] += local[j];
                           local[j] = Acc(0);
                         }
                       }
                     }
                   }
                 });
    return;
  }

  // Scans [i0, i1) (within one piece) of the line at x + base into o + obase, from `carry`;
  // returns the piece's running total.
  auto scan = [&](int64_t base, int64_t obase, int64_t i0, int64_t i1, Acc carry) {
    Acc local(0);
    if (s == 1 && so == 1) {
      for (int64_t i = i0; i < i1; ++i) {
        local += load(x[base + i]);
        o[obase + i] = convert<Out>(carry + local);
      }
    } else {
      for (int64_t i = i0; i < i1; ++i) {
        local += load(x[base + i * s]);
        o[obase + i * so] = convert<Out>(carry + local);
      }
    }
    return local;
  };
  auto total = [&](int64_t base, int64_t i0, int64_t i1) {
    Acc local(0);
    for (int64_t i = i0; i < i1; ++i) local += load(x[base + i * s]);
    return local;
  };
  const int64_t pieces = ceil_div(n, kChunk);
  if (pieces == 1 || K >= max_threads()) {
    parallel_for(K, std::max<int64_t>(1, kDefaultGrain / n), [&](int64_t begin, int64_t end) {
      Odometer<2> walk(lines);
      walk.seek(begin);
      for (int64_t k = begin; k < end; ++k, walk.next()) {
        Acc carry(0);
        for (int64_t p = 0; p < pieces; ++p)
          carry += scan(walk.offset(0), walk.offset(1), p * kChunk, std::min(n, (p + 1) * kChunk), carry);
      }
    });
    return;
  }
  // Few long lines: piece totals in parallel, carries in order, then the pieces in parallel.
  std::vector<Acc> carry(static_cast<size_t>(K * pieces));
  parallel_for(K * pieces, 1, [&](int64_t begin, int64_t end) {
    Odometer<2> walk(lines);
    for (int64_t t = begin; t < end; ++t) {
      walk.seek(t / pieces);
      const int64_t p = t % pieces;
      carry[t] = total(walk.offset(0), p * kChunk, std::min(n, (p + 1) * kChunk));
    }
  });
  for (int64_t k = 0; k < K; ++k) {  // totals -> exclusive running carries
    Acc running(0);
    for (int64_t p = 0; p < pieces; ++p) {
      const Acc t = carry[k * pieces + p];
      carry[k * pieces + p] = running;
      running += t;
    }
  }
  parallel_for(K * pieces, 1, [&](int64_t begin, int64_t end) {
    Odometer<2> walk(lines);
    for (int64_t t = begin; t < end; ++t) {
      walk.seek(t / pieces);
      const int64_t p = t % pieces;
      scan(walk.offset(0), walk.offset(1), p * kChunk, std::min(n, (p + 1) * kChunk), carry[t]);
    }
  });
}

}  // namespace

void cumsum_kernel(const Tensor& out, const Tensor& in, int dim) {
  NIMBUS_DISPATCH(in.dtype(), "cumsum", [&]<typename T>() {
    if constexpr (std::is_floating_point_v<compute_t<T>>) return cumsum_typed<T, T>(out, in, dim);
    else return cumsum_typed<T, int64_t>(out, in, dim);
  });
}

}  // namespace nimbus::cpu
