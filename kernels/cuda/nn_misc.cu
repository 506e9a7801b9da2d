// CUDA BCE with logits (forward and backward), embedding backward and dropout, with the CPU
// kernels' semantics (kernels/cpu/nn_misc_cpu.cpp).
//
// Design
// - BCE with logits is elementwise over broadcast strides through the launchers of
//   elementwise_loops.cuh and the CPU's single-source functors (kernels/functors/row_ops.h). The
//   backward fuses the CPU's two passes (derivative, then times grad) into one, rounding to T in
//   between exactly where the CPU stores its intermediate.
// - embedding_backward adds grad rows into weight rows without atomics and in the CPU's order:
//   the positions are sorted by index with a stable radix sort (CUB), so each weight row's
//   positions lie together in increasing order; a binary search finds where each row's run
//   starts; then one thread per (weight row, column) adds its run in order in acc_t<T>. Work is
//   O(n log n + num_weights * dim + n * dim), neighbouring threads read neighbouring columns. A
//   very frequent index makes its threads long (they stay parallel over the columns); later, long
//   runs could be cut into fixed pieces combined in order.
// - dropout: element i's uniform is Philox word i % 4 of block i / 4 for (seed, call), the function
//   the CPU calls (runtime/philox.h, single-source), so the mask is the CPU's bit for bit. One
//   thread per Philox block of four elements.
#include <cub/device/device_radix_sort.cuh>

#include <array>

#include "kernels/cuda/elementwise_loops.cuh"
#include "kernels/functors/row_ops.h"
#include "runtime/philox.h"

namespace nimbus::cuda {

namespace {

// ---- BCE with logits ----

template <typename T>
struct BceApply {
  T* out;
  const T* x;
  const T* y;
  const T* pw;
  __device__ void operator()(const std::array<int64_t, 4>& off) const {
    using C = compute_t<T>;
    out[off[0]] = convert<T>(functors::BceWithLogits{}(convert<C>(x[off[1]]), convert<C>(y[off[2]]),
                                                       convert<C>(pw[off[3]])));
  }
};

// grad_x = grad * dloss/dx. The CPU stores the derivative in grad_x (type T) and multiplies in a
// second pass; the round trip through T here keeps its rounding.
template <typename T>
struct BceBackwardApply {
  T* grad_x;
  const T* grad;
  const T* x;
  const T* y;
  const T* pw;
  __device__ void operator()(const std::array<int64_t, 5>& off) const {
    using C = compute_t<T>;
    const T d = convert<T>(functors::BceWithLogitsGrad{}(convert<C>(x[off[2]]), convert<C>(y[off[3]]),
                                                         convert<C>(pw[off[4]])));
    grad_x[off[0]] = convert<T>(convert<C>(d) * convert<C>(grad[off[1]]));
  }
};

void bce_kernel(const Tensor& out, const Tensor& x, const Tensor& y, const Tensor& pos_weight) {
  NIMBUS_DISPATCH_FLOAT(x.dtype(), "binary_cross_entropy_with_logits", [&]<typename T>() {
    const BceApply<T> apply{static_cast<T*>(out.data_ptr()), static_cast<const T*>(x.data_ptr()),
                            static_cast<const T*>(y.data_ptr()), static_cast<const T*>(pos_weight.data_ptr())};
    launch_elementwise<4>({&out, &x, &y, &pos_weight}, apply);
  });
}

void bce_backward_kernel(const Tensor& grad_x, const Tensor& grad, const Tensor& x, const Tensor& y,
                         const Tensor& pos_weight) {
  NIMBUS_DISPATCH_FLOAT(x.dtype(), "binary_cross_entropy_with_logits_backward", [&]<typename T>() {
    const BceBackwardApply<T> apply{static_cast<T*>(grad_x.data_ptr()), static_cast<const T*>(grad.data_ptr()),
                                    static_cast<const T*>(x.data_ptr()), static_cast<const T*>(y.data_ptr()),
                                    static_cast<const T*>(pos_weight.data_ptr())};
    launch_elementwise<5>({&grad_x, &grad, &x, &y, &pos_weight}, apply);
  });
}

// ---- embedding backward ----

__global__ void iota(int64_t n, int64_t* out) {
  NIMBUS_GRID_STRIDE(i, n) out[i] = i;
}

// start[r] = first position in the sorted keys whose key is >= r, for r in [0, rows]; so row r's
// positions are order[start[r] .. start[r + 1]).
__global__ void row_starts(int64_t rows, const uint64_t* sorted, int64_t n, int64_t* start) {
  NIMBUS_GRID_STRIDE(r, rows + 1) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (sorted[mid] < static_cast<uint64_t>(r)) lo = mid + 1;
      else hi = mid;
    }
    start[r] = lo;
  }
}

// grad_weight[r, k] = sum of grad_out[p, k] over row r's positions p in increasing order, in Acc
// from 0 (the CPU's order and accumulator); the padding row stays 0.
template <typename T, typename Acc>
__global__ void embedding_rows(int64_t rows, int64_t dim, T* gw, const T* g, const int64_t* order,
                               const int64_t* start, int64_t padding_idx) {
  NIMBUS_GRID_STRIDE(e, rows * dim) {
    const int64_t r = e / dim, k = e - r * dim;
    Acc acc(0);
    if (r != padding_idx) {
      for (int64_t p = start[r]; p < start[r + 1]; ++p) acc += convert<Acc>(g[order[p] * dim + k]);
    }
    gw[e] = convert<T>(acc);
  }
}

// Bits that hold every index in [0, rows): the radix sort need not look at the others.
int key_bits(int64_t rows) {
  int bits = 1;
  while (bits < 63 && (int64_t{1} << bits) < rows) ++bits;
  return bits;
}

void embedding_backward_kernel(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& indices,
                               int64_t padding_idx) {
  const int64_t rows = grad_weight.size(0), dim = grad_weight.size(1), n = indices.numel();
  if (rows * dim == 0) return;
  const Device device = grad_weight.device();
  DeviceScope scope(device.index);
  const cudaStream_t stream = current_cuda_stream(device);
  if (n == 0) {  // nothing to add: all zeros (the zero bit pattern is +0 in every floating dtype)
    const size_t bytes = static_cast<size_t>(grad_weight.numel()) * grad_weight.element_size();
    NIMBUS_CUDA_CHECK(cudaMemsetAsync(grad_weight.data_ptr(), 0, bytes, stream));
    return;
  }
  // Indices are in [0, rows), so their i64 bits read as u64 keep their order.
  const uint64_t* const keys = static_cast<const uint64_t*>(indices.data_ptr());
  const Tensor positions = empty({n}, {DType::i64, device}), order = empty({n}, {DType::i64, device});
  const Tensor sorted = empty({n}, {DType::i64, device}), start = empty({rows + 1}, {DType::i64, device});
  int64_t* const ppos = static_cast<int64_t*>(positions.data_ptr());
  int64_t* const porder = static_cast<int64_t*>(order.data_ptr());
  uint64_t* const psorted = static_cast<uint64_t*>(sorted.data_ptr());
  int64_t* const pstart = static_cast<int64_t*>(start.data_ptr());
  iota<<<blocks_for(n), kBlockSize, 0, stream>>>(n, ppos);
  NIMBUS_CUDA_CHECK_LAUNCH();
  // LSD radix sort is stable: equal indices keep their positions in increasing order.
  const int bits = key_bits(rows);
  size_t temp_bytes = 0;
  NIMBUS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, keys, psorted, ppos, porder, n, 0, bits,
                                                    stream));
  const Tensor temp = empty({static_cast<int64_t>(temp_bytes > 0 ? temp_bytes : 1)}, {DType::u8, device});
  NIMBUS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.data_ptr(), temp_bytes, keys, psorted, ppos, porder, n, 0,
                                                    bits, stream));
  row_starts<<<blocks_for(rows + 1), kBlockSize, 0, stream>>>(rows, psorted, n, pstart);
  NIMBUS_CUDA_CHECK_LAUNCH();
  NIMBUS_DISPATCH_FLOAT(grad_weight.dtype(), "embedding_backward", [&]<typename T>() {
    embedding_rows<T, functors::acc_t<T>><<<blocks_for(rows * dim), kBlockSize, 0, stream>>>(
        rows, dim, static_cast<T*>(grad_weight.data_ptr()), static_cast<const T*>(grad_out.data_ptr()), porder,
        pstart, padding_idx);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

// ---- dropout ----

template <typename T>
__global__ void dropout_blocks(int64_t n, T* out, bool* mask, const T* in, double p, compute_t<T> scale,
                               uint64_t seed, uint64_t call) {
  using C = compute_t<T>;
  NIMBUS_GRID_STRIDE(b, (n + 3) / 4) {
    const PhiloxBlock words = philox_block(seed, call, static_cast<uint64_t>(b));
    for (int lane = 0; lane < 4; ++lane) {
      const int64_t i = b * 4 + lane;
      if (i >= n) break;
      const bool keep = static_cast<double>(uniform_float(words.v[lane])) >= p;
      mask[i] = keep;
      // x * mask * scale as the CPU computes it: a dropped nan or inf stays nan.
      out[i] = convert<T>(convert<C>(in[i]) * (keep ? scale : C(0)));
    }
  }
}

void dropout_kernel(const Tensor& out, const Tensor& mask, const Tensor& in, double p, double scale, uint64_t seed,
                    uint64_t call) {
  const int64_t n = in.numel();
  if (n == 0) return;
  DeviceScope scope(in.device().index);
  const cudaStream_t stream = current_cuda_stream(in.device());
  NIMBUS_DISPATCH_FLOAT(in.dtype(), "dropout", [&]<typename T>() {
    using C = compute_t<T>;
    dropout_blocks<T><<<blocks_for((n + 3) / 4), kBlockSize, 0, stream>>>(
        n, static_cast<T*>(out.data_ptr()), static_cast<bool*>(mask.data_ptr()), static_cast<const T*>(in.data_ptr()),
        p, static_cast<C>(scale), seed, call);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace

void fill_nn_misc_kernels(KernelTable& table) {
  table.bce_with_logits = bce_kernel;
  table.bce_with_logits_backward = bce_backward_kernel;
  table.embedding_backward = embedding_backward_kernel;
  table.dropout = dropout_kernel;
}

}  // namespace nimbus::cuda
