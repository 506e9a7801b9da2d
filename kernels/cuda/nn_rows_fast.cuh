#pragma once
// Fast row kernels for contiguous rows (the [outer, n, inner] view with inner == 1): softmax and
// log_softmax, layer norm, cross-entropy, forward and backward. nn_rows.cu sends strided rows
// (inner > 1) to its one-row-per-thread kernels instead.
//
// Dispatch (launch_rows):
//   n <= 1024: a warp per row, 4 rows per 128-thread block; each lane keeps its <= 32 elements
//              (per input) in registers, so every input is read from memory once.
//   n >  1024: a block per row (256 threads up to n = 4096, 512 beyond); the inputs are staged in
//              shared memory with 16-byte loads when they fit in kMaxStageBytes, else every pass
//              re-reads global memory (the row is then mostly in L2).
//
// Numerics follow kernels/functors/row_ops.h (the CPU's row functions): the same accumulation
// type, the same exp (functors::row_exp: exp_fast for float rows), the same formulas written in
// the same order; only the order of the sums differs (per-thread partials in index order combined
// in a fixed tree, see nn_rows_groups.cuh), which is deterministic and within the parity
// tolerances.
#include <algorithm>
#include <limits>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/nn_rows_groups.cuh"
#include "kernels/functors/row_ops.h"

namespace nimbus::cuda::rowk {

// Dynamic shared memory a block-per-row launch may stage rows in: under the 48 KiB that needs no
// opt-in, leaving room for the reductions' static scratch.
constexpr int64_t kMaxStageBytes = 44 * 1024;
constexpr int kWarpRowsThreads = 128;  // warp-per-row blocks: 4 rows each
constexpr int kMaxBlockRowThreads = 512;
constexpr int64_t kMaxGrid = int64_t{1} << 20;  // grid-stride loops cover the rest

template <typename Acc>
__device__ __forceinline__ Acc neg_inf() {
  return -std::numeric_limits<Acc>::infinity();
}

// ---- the ops, one row each; `r` is the row index ----

// functors::softmax_row.
template <typename TT>
struct SoftmaxOp {
  using T = TT;
  using Acc = functors::acc_t<T>;
  static constexpr int kStaged = 1;
  T* out;
  const T* in;
  int64_t n;
  bool log;

  template <typename G> __device__ __forceinline__ void operator()(const G& grp, int64_t r, unsigned char* smem) const {
    const T* const x = grp.stage(smem, in + r * n);
    T* const o = out + r * n;
    typename G::Cache cx;
    Acc m = neg_inf<Acc>();
    grp.each([&](int j, int64_t k) { m = MaxNan{}(m, cx.put(j, convert<Acc>(x[k]))); });
    m = grp.max(m);
    Acc sum = 0;
    grp.each([&](int j, int64_t k) { sum += functors::row_exp<Acc>(cx.get(j, x, k) - m); });
    sum = grp.sum(sum);
    if (log) {
      const Acc log_sum = NIMBUS_MATH(log)(sum);
      grp.each([&](int j, int64_t k) { o[k] = convert<T>((cx.get(j, x, k) - m) - log_sum); });
    } else {
      const Acc inv = Acc(1) / sum;
      grp.each([&](int j, int64_t k) { o[k] = convert<T>(functors::row_exp<Acc>(cx.get(j, x, k) - m) * inv); });
    }
  }
};

// functors::softmax_backward_row.
template <typename TT>
struct SoftmaxBackwardOp {
  using T = TT;
  using Acc = functors::acc_t<T>;
  static constexpr int kStaged = 2;
  T* grad_in;
  const T* grad_out;
  const T* out;
  int64_t n;
  bool log;

  template <typename G> __device__ __forceinline__ void operator()(const G& grp, int64_t r, unsigned char* smem) const {
    const T* const g = grp.stage(smem, grad_out + r * n);
    const T* const y = grp.stage(smem ? smem + stage_bytes<T>(n) : nullptr, out + r * n);
    T* const gi = grad_in + r * n;
    typename G::Cache cg, cy;
    Acc dot = 0;
    grp.each([&](int j, int64_t k) {
      const Acc gk = cg.put(j, convert<Acc>(g[k])), yk = cy.put(j, convert<Acc>(y[k]));
      dot += log ? gk : gk * yk;
    });
    dot = grp.sum(dot);
    grp.each([&](int j, int64_t k) {
      const Acc gk = cg.get(j, g, k), yk = cy.get(j, y, k);
      gi[k] = convert<T>(log ? gk - functors::row_exp<Acc>(yk) * dot : yk * (gk - dot));
    });
  }
};

// functors::layer_norm_row with row_moments: the mean sums x - x[0], then the squared deviations.
// The CPU sums both in double (a running float sum drifted by a few 1e-6 at n ~ 1000); this tree
// sum in the accumulation type stays within ~4e-7 of it, inside the f32 parity tolerance.
template <typename TT>
struct LayerNormOp {
  using T = TT;
  using Acc = functors::acc_t<T>;
  static constexpr int kStaged = 1;
  T* out;
  Acc* mean_out;
  Acc* rstd_out;
  const T* in;
  const T* w;  // null: no weight
  const T* b;  // null: no bias
  int64_t n;
  Acc eps;

  template <typename G> __device__ __forceinline__ void operator()(const G& grp, int64_t r, unsigned char* smem) const {
    const T* const x = grp.stage(smem, in + r * n);
    T* const o = out + r * n;
    typename G::Cache cx;
    const Acc pivot = n > 0 ? convert<Acc>(x[0]) : Acc(0);
    Acc sum = 0;
    grp.each([&](int j, int64_t k) { sum += cx.put(j, convert<Acc>(x[k])) - pivot; });
    const Acc mean = pivot + grp.sum(sum) / Acc(n);
    Acc ss = 0;
    grp.each([&](int j, int64_t k) {
      const Acc d = cx.get(j, x, k) - mean;
      ss += d * d;
    });
    const Acc var = grp.sum(ss) / Acc(n);
    const Acc rstd = Acc(1) / NIMBUS_MATH(sqrt)(var + eps);
    if (grp.leader()) {
      mean_out[r] = mean;
      rstd_out[r] = rstd;
    }
    grp.each([&](int j, int64_t k) {
      Acc v = (cx.get(j, x, k) - mean) * rstd;
      if (w) v *= convert<Acc>(w[k]);
      if (b) v += convert<Acc>(b[k]);
      o[k] = convert<T>(v);
    });
  }
};

// functors::layer_norm_backward_row.
template <typename TT>
struct LayerNormBackwardOp {
  using T = TT;
  using Acc = functors::acc_t<T>;
  static constexpr int kStaged = 2;
  T* grad_in;
  const T* grad_out;
  const T* in;
  const T* w;  // null: no weight
  const Acc* mean;
  const Acc* rstd;
  int64_t n;

  template <typename G> __device__ __forceinline__ void operator()(const G& grp, int64_t r, unsigned char* smem) const {
    const T* const g = grp.stage(smem, grad_out + r * n);
    const T* const x = grp.stage(smem ? smem + stage_bytes<T>(n) : nullptr, in + r * n);
    T* const gi = grad_in + r * n;
    const Acc mu = mean[r], rs = rstd[r];
    typename G::Cache cgw, cx;
    Acc sum_gw = 0, sum_gw_xhat = 0;
    grp.each([&](int j, int64_t k) {
      const Acc gw = cgw.put(j, convert<Acc>(g[k]) * (w ? convert<Acc>(w[k]) : Acc(1)));
      sum_gw += gw;
      sum_gw_xhat += gw * (cx.put(j, convert<Acc>(x[k])) - mu) * rs;
    });
    const Acc a = grp.sum(sum_gw) / Acc(n);
    const Acc c = grp.sum(sum_gw_xhat) / Acc(n);
    grp.each([&](int j, int64_t k) {
      // The block group's cache re-reads: recompute g * w as the first pass did.
      const Acc gw = G::kCaches ? cgw.get(j, g, k) : convert<Acc>(g[k]) * (w ? convert<Acc>(w[k]) : Acc(1));
      gi[k] = convert<T>(rs * (gw - a - (cx.get(j, x, k) - mu) * rs * c));
    });
  }
};

// functors::cross_entropy_row over logits [N, C] (inner == 1); 0 where the target is ignored.
template <typename TT>
struct CrossEntropyOp {
  using T = TT;
  using Acc = functors::acc_t<T>;
  static constexpr int kStaged = 1;
  Acc* loss;
  const T* logits;
  const int64_t* target;
  int64_t C;
  int64_t ignore_index;
  Acc ls;

  template <typename G> __device__ __forceinline__ void operator()(const G& grp, int64_t r, unsigned char* smem) const {
    const int64_t t = target[r];
    if (t == ignore_index) {  // the same for the whole group: nobody reaches a collective below
      if (grp.leader()) loss[r] = Acc(0);
      return;
    }
    const T* const z = grp.stage(smem, logits + r * C);
    typename G::Cache cz;
    Acc m = neg_inf<Acc>();
    grp.each([&](int j, int64_t k) { m = MaxNan{}(m, cz.put(j, convert<Acc>(z[k]))); });
    m = grp.max(m);
    Acc sum = 0;
    grp.each([&](int j, int64_t k) { sum += functors::row_exp<Acc>(cz.get(j, z, k) - m); });
    const Acc log_sum = NIMBUS_MATH(log)(grp.sum(sum));
    Acc l = (Acc(1) - ls) * (log_sum - (convert<Acc>(z[t]) - m));
    if (ls != Acc(0)) {
      Acc sum_logp = 0;
      grp.each([&](int j, int64_t k) { sum_logp += (cz.get(j, z, k) - m) - log_sum; });
      l -= ls / Acc(C) * grp.sum(sum_logp);
    }
    if (grp.leader()) loss[r] = l;
  }
};

// functors::cross_entropy_backward_row; zeros where the target is ignored.
template <typename TT>
struct CrossEntropyBackwardOp {
  using T = TT;
  using Acc = functors::acc_t<T>;
  static constexpr int kStaged = 1;
  T* grad;
  const T* logits;
  const int64_t* target;
  const Acc* scale;
  int64_t scale_stride;
  int64_t C;
  int64_t ignore_index;
  Acc ls;

  template <typename G> __device__ __forceinline__ void operator()(const G& grp, int64_t r, unsigned char* smem) const {
    const int64_t t = target[r];
    T* const gz = grad + r * C;
    if (t == ignore_index) {  // uniform over the group
      grp.each([&](int, int64_t k) { gz[k] = convert<T>(Acc(0)); });
      return;
    }
    const T* const z = grp.stage(smem, logits + r * C);
    const Acc s = scale[r * scale_stride];
    typename G::Cache cz;
    Acc m = neg_inf<Acc>();
    grp.each([&](int j, int64_t k) { m = MaxNan{}(m, cz.put(j, convert<Acc>(z[k]))); });
    m = grp.max(m);
    Acc sum = 0;
    grp.each([&](int j, int64_t k) { sum += functors::row_exp<Acc>(cz.get(j, z, k) - m); });
    const Acc inv = Acc(1) / grp.sum(sum);
    grp.each([&](int j, int64_t k) {
      const Acc p = functors::row_exp<Acc>(cz.get(j, z, k) - m) * inv;
      gz[k] = convert<T>(s * (p - (k == t ? Acc(1) - ls : Acc(0)) - ls / Acc(C)));
    });
  }
};

// ---- kernels ----

template <int kPer, typename Op>
__global__ void __launch_bounds__(kWarpRowsThreads) warp_rows_kernel(Op op, int64_t rows, int64_t n) {
  constexpr int64_t kWarps = kWarpRowsThreads / kWarpSize;
  const WarpRow<typename Op::Acc, kPer> grp{n, static_cast<int>(threadIdx.x) % kWarpSize};
  // r is the same for all lanes of a warp, so the shuffles inside see full warps.
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kWarps + threadIdx.x / kWarpSize; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kWarps)
    op(grp, r, nullptr);
}

// `stage`: the op's inputs go through the dynamic shared memory (Op::kStaged rows of
// stage_bytes<T>(n) each). r is the same for the whole block, so every barrier is reached by all.
template <typename Op>
__global__ void __launch_bounds__(kMaxBlockRowThreads) block_rows_kernel(Op op, int64_t rows, int64_t n, bool stage) {
  __shared__ typename Op::Acc scratch[kWarpSize + 1];
  extern __shared__ __align__(16) unsigned char staged_rows[];
  const BlockRow<typename Op::Acc> grp{n, scratch};
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) op(grp, r, stage ? staged_rows : nullptr);
}

template <int kPer, typename Op>
void launch_warp_rows(const Op& op, int64_t rows, int64_t n, cudaStream_t stream) {
  constexpr int64_t kWarps = kWarpRowsThreads / kWarpSize;
  const auto blocks = static_cast<unsigned>(std::min((rows + kWarps - 1) / kWarps, kMaxGrid));
  warp_rows_kernel<kPer, Op><<<blocks, kWarpRowsThreads, 0, stream>>>(op, rows, n);
  NIMBUS_CUDA_CHECK_LAUNCH();
}

// Runs op on rows [0, rows) of n elements each; the dispatch rules are at the top of this file.
template <typename Op>
void launch_rows(const Op& op, int64_t rows, int64_t n, cudaStream_t stream) {
  if (rows <= 0) return;
  if (n <= 64) return launch_warp_rows<2>(op, rows, n, stream);
  if (n <= 256) return launch_warp_rows<8>(op, rows, n, stream);
  if (n <= 1024) return launch_warp_rows<32>(op, rows, n, stream);
  const int threads = n <= 4096 ? 256 : kMaxBlockRowThreads;
  const int64_t bytes = Op::kStaged * stage_bytes<typename Op::T>(n);
  const bool stage = bytes <= kMaxStageBytes;
  const auto blocks = static_cast<unsigned>(std::min(rows, kMaxGrid));
  block_rows_kernel<Op><<<blocks, threads, stage ? static_cast<size_t>(bytes) : 0, stream>>>(op, rows, n, stage);
  NIMBUS_CUDA_CHECK_LAUNCH();
}

}  // namespace nimbus::cuda::rowk
