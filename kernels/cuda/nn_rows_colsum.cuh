#pragma once
// Layer norm's grad_weight and grad_bias: per column j, sum over rows of g * xhat and of g.
//
// One thread per column walking all rows leaves the GPU idle when n is small against the row
// count (n = 768 columns is 768 threads). With many rows the sum runs in two stages instead:
//   1. the rows split into `chunks` consecutive chunks; thread (chunk, j) sums its chunk's rows in
//      order into partial[chunk][j] (adjacent threads: adjacent columns, so reads coalesce);
//   2. thread j adds partial[0..chunks)[j] in chunk order and writes the result.
// The chunking depends on rows and n only, so the result is the same bits on every run. With
// few rows (one chunk) the single-stage kernel in nn_rows.cu does it, in the CPU's row order.
#include <algorithm>

#include "kernels/cuda/cuda_kernels.h"
#include "runtime/convert.h"

namespace nimbus::cuda::rowk {

// Chunks of at least this many rows: shorter ones cost more in partials than they gain, and up to
// this many rows the sums keep the CPU's row order (one chunk).
constexpr int64_t kColumnChunkMinRows = 64;
constexpr int64_t kColumnThreadsTarget = int64_t{1} << 18;  // threads in stage 1 that fill a GPU

struct ColumnChunks {
  int64_t rows_per_chunk = 0, chunks = 0;
};

inline ColumnChunks column_chunks(int64_t rows, int64_t n) {
  if (rows <= 0 || n <= 0) return {};
  const int64_t want = std::max<int64_t>(1, kColumnThreadsTarget / n);
  const int64_t per = std::max(kColumnChunkMinRows, (rows + want - 1) / want);
  return {per, (rows + per - 1) / per};
}

template <typename T, typename Acc>
__global__ void column_partials_kernel(Acc* part_w, Acc* part_b, const T* g, const T* x, const Acc* mean,
                                       const Acc* rstd, int64_t rows, int64_t n, int64_t per, int64_t chunks) {
  const int64_t total = chunks * n;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const int64_t c = i / n, j = i % n;
    const int64_t r0 = c * per, r1 = std::min(rows, r0 + per);
    Acc acc_w = 0, acc_b = 0;
    for (int64_t r = r0; r < r1; ++r) {
      const Acc gv = convert<Acc>(g[r * n + j]);
      acc_w += gv * (convert<Acc>(x[r * n + j]) - mean[r]) * rstd[r];  // as the CPU's weight_bias_grads
      acc_b += gv;
    }
    part_w[i] = acc_w;
    part_b[i] = acc_b;
  }
}

template <typename T, typename Acc>
__global__ void column_combine_kernel(T* gw, T* gb, const Acc* part_w, const Acc* part_b, int64_t n, int64_t chunks) {
  for (int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < n;
       j += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    Acc acc_w = 0, acc_b = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      acc_w += part_w[c * n + j];
      acc_b += part_b[c * n + j];
    }
    if (gw) gw[j] = convert<T>(acc_w);
    if (gb) gb[j] = convert<T>(acc_b);
  }
}

// The two stages for a split with chunks > 1; gw or gb may be null (not wanted).
template <typename T, typename Acc>
void launch_column_grads_two_stage(T* gw, T* gb, const T* g, const T* x, const Acc* mean, const Acc* rstd,
                                   int64_t rows, int64_t n, ColumnChunks split, Device device, cudaStream_t stream) {
  // Freed in stream order: the allocator reuses the partials only after this stream's work.
  const Tensor partials =
      empty({2 * split.chunks * n * static_cast<int64_t>(sizeof(Acc))}, {DType::u8, device});
  Acc* const part_w = static_cast<Acc*>(partials.data_ptr());
  Acc* const part_b = part_w + split.chunks * n;
  column_partials_kernel<T, Acc><<<blocks_for(split.chunks * n), kBlockSize, 0, stream>>>(
      part_w, part_b, g, x, mean, rstd, rows, n, split.rows_per_chunk, split.chunks);
  NIMBUS_CUDA_CHECK_LAUNCH();
  column_combine_kernel<T, Acc><<<blocks_for(n), kBlockSize, 0, stream>>>(gw, gb, part_w, part_b, n, split.chunks);
  NIMBUS_CUDA_CHECK_LAUNCH();
}

}  // namespace nimbus::cuda::rowk
