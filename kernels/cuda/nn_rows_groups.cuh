#pragma once
// Row groups of the fast row kernels (nn_rows_fast.cuh): a warp or a whole block cooperates on one
// contiguous row of n elements. A group says which elements each thread owns (each), combines the
// threads' partial values (sum, max) and, for a block, can stage the row in shared memory.
//
// Determinism: which thread owns which element depends on n and the launch shape only, every
// thread folds its elements in index order, and the partials combine in a fixed butterfly (warp)
// then warp-index (block) order. So a row reduces to the same bits on every run.
//
// The ops are written once against the group interface:
//   grp.each(f)        calls f(slot, k) for every element k this thread owns (slot: its register
//                      slot in a warp group, 0 in a block group)
//   grp.sum(v), grp.max(v)  the whole row's combination, returned to every thread of the group
//   grp.leader()       one thread per row, for the per-row outputs
//   typename G::Cache  (G::kCaches) a warp group keeps the values a pass loaded in registers (so later passes
//                      do not read memory again); a block group re-reads them (from shared memory
//                      where the row was staged, else from global memory)
//   grp.stage(smem, p) p's row in shared memory (block group with smem), else p itself
// Every thread of a group must reach each sum/max/stage: they are collective.
#include <cstdint>
#include <limits>

#include "runtime/convert.h"

namespace nimbus::cuda::rowk {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kWarpSize = 32;

struct Plus {
  template <typename Acc> __device__ __forceinline__ Acc operator()(Acc a, Acc b) const { return a + b; }
};
// The larger, NaN winning once seen (as functors::row_max), so a row holding NaN gives NaN.
struct MaxNan {
  template <typename Acc> __device__ __forceinline__ Acc operator()(Acc a, Acc b) const {
    return (b > a || b != b) ? b : a;
  }
};

// Butterfly over the warp, then lane 0's value to all: every lane returns the same bits even where
// the combine is not bitwise commutative (MaxNan on +0/-0 or two NaNs).
template <typename Acc, typename Op>
__device__ __forceinline__ Acc warp_reduce(Acc v, Op op) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) v = op(v, __shfl_xor_sync(kFullMask, v, offset));
  return __shfl_sync(kFullMask, v, 0);
}

// Block-wide combine: each warp combines its lanes, then warp 0 the warps' results in warp order.
// `scratch` holds kWarpSize + 1 values. blockDim.x must be a multiple of 32. The leading barrier
// lets calls follow each other without the previous result being overwritten while still read.
template <typename Acc, typename Op>
__device__ __forceinline__ Acc block_reduce(Acc v, Acc identity, Op op, Acc* scratch) {
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize, warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const int warps = static_cast<int>(blockDim.x) / kWarpSize;
  v = warp_reduce(v, op);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = warp_reduce(lane < warps ? scratch[lane] : identity, op);
    if (lane == 0) scratch[kWarpSize] = v;
  }
  __syncthreads();
  return scratch[kWarpSize];
}

// Bytes of shared memory one staged row of n elements takes (stage_row's alignment pad included),
// rounded to 16 so a second row can follow it.
template <typename T>
constexpr int64_t stage_bytes(int64_t n) {
  return ((n + 16 / static_cast<int64_t>(sizeof(T))) * static_cast<int64_t>(sizeof(T)) + 15) / 16 * 16;
}

// Copies a row into shared memory (16-byte aligned, stage_bytes<T>(n) long) and returns where its
// element 0 landed. The bulk moves in 16-byte loads: the row's first elements up to a 16-byte
// boundary go one by one, and the copy is placed so that the boundary lands on one in shared
// memory too, so any row start (a view's offset, an odd n) gets the vector loads. Collective; the
// leading barrier keeps the previous row's readers from being overwritten.
template <typename T>
__device__ __forceinline__ const T* stage_row(unsigned char* smem, const T* x, int64_t n) {
  constexpr int64_t kVec = 16 / sizeof(T);
  const auto addr = reinterpret_cast<uintptr_t>(x);
  int64_t head = static_cast<int64_t>((16 - (addr & 15)) & 15) / static_cast<int64_t>(sizeof(T));
  head = head < n ? head : n;
  T* const dst = reinterpret_cast<T*>(smem) + (kVec - head % kVec) % kVec;  // dst + head: 16-byte aligned
  const int64_t tid = threadIdx.x, nt = blockDim.x;
  const int64_t vecs = (n - head) / kVec;
  __syncthreads();
  if (tid < head) dst[tid] = x[tid];
  const uint4* src_vec = reinterpret_cast<const uint4*>(x + head);
  uint4* dst_vec = reinterpret_cast<uint4*>(dst + head);
  for (int64_t v = tid; v < vecs; v += nt) dst_vec[v] = src_vec[v];
  for (int64_t k = head + vecs * kVec + tid; k < n; k += nt) dst[k] = x[k];
  __syncthreads();
  return dst;
}

// A warp per row: lane l owns elements l, l + 32, ..., at most kPer of them (n <= 32 * kPer).
// Loads are coalesced (a warp reads 32 consecutive elements at a time) and kept in registers.
template <typename AccT, int kPer>
struct WarpRow {
  using Acc = AccT;
  static constexpr bool kCaches = true;
  int64_t n;
  int lane;

  template <typename F> __device__ __forceinline__ void each(F&& f) const {
#pragma unroll
    for (int j = 0; j < kPer; ++j) {
      const int64_t k = lane + int64_t{kWarpSize} * j;
      if (k < n) f(j, k);
    }
  }
  __device__ __forceinline__ Acc sum(Acc v) const { return warp_reduce(v, Plus{}); }
  __device__ __forceinline__ Acc max(Acc v) const { return warp_reduce(v, MaxNan{}); }
  __device__ __forceinline__ bool leader() const { return lane == 0; }
  template <typename T> __device__ __forceinline__ const T* stage(unsigned char*, const T* p) const { return p; }

  struct Cache {
    Acc v[kPer] = {};
    __device__ __forceinline__ Acc put(int slot, Acc x) { return v[slot] = x; }
    template <typename T> __device__ __forceinline__ Acc get(int slot, const T*, int64_t) const { return v[slot]; }
  };
};

// A block per row: thread t owns elements t, t + blockDim.x, ... (coalesced). `scratch` is the
// block's kWarpSize + 1 values of shared memory for the reductions.
template <typename AccT>
struct BlockRow {
  using Acc = AccT;
  static constexpr bool kCaches = false;
  int64_t n;
  Acc* scratch;

  template <typename F> __device__ __forceinline__ void each(F&& f) const {
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) f(0, k);
  }
  __device__ __forceinline__ Acc sum(Acc v) const { return block_reduce(v, Acc(0), Plus{}, scratch); }
  __device__ __forceinline__ Acc max(Acc v) const {
    return block_reduce(v, -std::numeric_limits<Acc>::infinity(), MaxNan{}, scratch);
  }
  __device__ __forceinline__ bool leader() const { return threadIdx.x == 0; }
  template <typename T> __device__ __forceinline__ const T* stage(unsigned char* smem, const T* p) const {
    return smem ? stage_row(smem, p, n) : p;
  }

  struct Cache {
    __device__ __forceinline__ Acc put(int, Acc x) const { return x; }
    template <typename T> __device__ __forceinline__ Acc get(int, const T* p, int64_t k) const {
      return convert<Acc>(p[k]);
    }
  };
};

}  // namespace nimbus::cuda::rowk
