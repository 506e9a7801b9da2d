// CUDA index_select, gather, scatter_add, masked_select and cumsum, with the CPU kernels'
// semantics (kernels/cpu/indexing_cpu.cpp, kernels/cpu/scan_cpu.cpp) and the same results bit for
// bit: every value is either copied or summed in the CPU's order in the CPU's accumulator type.
//
// Design (first version, correctness before speed)
// - gather: one thread per output element through an OffsetCalculator over (out, index, in)
//   (Note [CUDA strided indexing]) where in's stride along `dim` is 0 and the index value times the
//   real stride is added instead. index_select is the same kernel with its 1-d index seen through
//   strides (0 on every dim but `dim`), as on the CPU.
// - scatter_add: no atomics. A "fibre" is every coordinate but `dim`; two fibres never write the
//   same output element, so one thread owns a fibre and adds its elements in index order, which is
//   exactly the CPU's order. Neighbouring threads take neighbouring fibres (coalesced when `dim`
//   is not the innermost dim). Later: a 1-d scatter (a single fibre) runs on one thread; a sort of
//   (index, position) pairs would spread it, as embedding_backward does (nn_misc.cu).
// - masked_select: the elements are cut into tiles of kSelectTile; pass 1 counts the selected
//   elements per tile, one block scans the counts, the total is read back to size the result (the
//   one synchronisation: the output's size depends on the data), pass 2 writes each tile's slice.
//   Row-major order, no atomics.
// - cumsum: the CPU's definition (Note in scan_cpu.cpp): each line is cut into pieces of
//   cpu::kChunk elements; element i of piece c is carry[c] + (sum of the piece up to i), summed in
//   double (floating dtypes) or int64. One thread per (line, piece): piece totals, then the carries
//   per line in order, then the pieces again from their carries. Within a piece the sum is
//   sequential, as it must be for equal rounding. Later: a thread walking a contiguous line reads
//   memory n elements apart from its neighbours; a warp-per-line layout would coalesce.
// 64-bit indices and offsets throughout. Indices arrive as i64 already range-checked.
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include <type_traits>

#include "kernels/cpu/reduction_loops.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/offset_calculator.cuh"
#include "runtime/convert.h"

namespace nimbus::cuda {

namespace {

Shape without_dim(const Shape& s, int dim) {
  Shape out = s;
  out.erase(out.begin() + dim);
  return out;
}

// ---- gather / index_select ----

// out[o] = in[x_off + index[i_off] * dim_stride], offsets from calc = (out, index, in with dim 0).
template <typename T>
__global__ void gather_elements(int64_t n, OffsetCalculator<3> calc, T* out, const int64_t* index, const T* in,
                                int64_t dim_stride) {
  NIMBUS_GRID_STRIDE(i, n) {
    const std::array<int64_t, 3> off = calc.get(i);
    out[off[0]] = in[off[2] + index[off[1]] * dim_stride];
  }
}

// index_strides: the index's strides over out's shape.
void launch_gather(const Tensor& out, const Tensor& in, int dim, const Tensor& index, const Shape& index_strides) {
  const int64_t n = out.numel();
  if (n == 0) return;
  Shape in_strides = in.strides();
  const int64_t dim_stride = in_strides[dim];
  in_strides[dim] = 0;  // the index supplies the position along dim
  const OffsetCalculator<3> calc(out.shape(), {&out.strides(), &index_strides, &in_strides});
  DeviceScope scope(out.device().index);
  const cudaStream_t stream = current_cuda_stream(out.device());
  // Values are moved, never converted: the element type only sets the width.
  NIMBUS_DISPATCH(out.dtype(), "gather", [&]<typename T>() {
    gather_elements<T><<<blocks_for(n), kBlockSize, 0, stream>>>(
        n, calc, static_cast<T*>(out.data_ptr()), static_cast<const int64_t*>(index.data_ptr()),
        static_cast<const T*>(in.data_ptr()), dim_stride);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

void gather_kernel(const Tensor& out, const Tensor& in, int dim, const Tensor& index) {
  launch_gather(out, in, dim, index, index.strides());  // index has out's shape
}

void index_select_kernel(const Tensor& out, const Tensor& in, int dim, const Tensor& index) {
  // The 1-d index seen with out's shape: its stride along dim, 0 (broadcast) elsewhere.
  Shape index_strides(static_cast<size_t>(out.dim()), 0);
  index_strides[dim] = index.numel() > 1 ? index.stride(0) : 0;
  launch_gather(out, in, dim, index, index_strides);
}

// ---- scatter_add ----

// calc runs over the fibres (index's shape without dim) with (out, index, src) strides; each thread
// adds its fibre's len elements in order, rounding to T after each addition as the CPU does.
template <typename T>
__global__ void scatter_add_fibres(int64_t fibres, OffsetCalculator<3> calc, T* out, const int64_t* index,
                                   const T* src, int64_t len, int64_t od, int64_t id, int64_t sd) {
  using C = compute_t<T>;
  NIMBUS_GRID_STRIDE(f, fibres) {
    const std::array<int64_t, 3> off = calc.get(f);
    T* const po = out + off[0];
    const int64_t* const pi = index + off[1];
    const T* const ps = src + off[2];
    for (int64_t j = 0; j < len; ++j) {
      T& target = po[pi[j * id] * od];
      target = convert<T>(convert<C>(target) + convert<C>(ps[j * sd]));
    }
  }
}

void scatter_add_kernel(const Tensor& out, int dim, const Tensor& index, const Tensor& src) {
  const int64_t len = index.size(dim);
  const Shape fibre_shape = without_dim(index.shape(), dim);
  const int64_t fibres = shape_numel(fibre_shape);
  if (len == 0 || fibres == 0) return;
  const Shape out_strides = without_dim(out.strides(), dim), index_strides = without_dim(index.strides(), dim),
              src_strides = without_dim(src.strides(), dim);
  const OffsetCalculator<3> calc(fibre_shape, {&out_strides, &index_strides, &src_strides});
  DeviceScope scope(out.device().index);
  const cudaStream_t stream = current_cuda_stream(out.device());
  NIMBUS_DISPATCH(out.dtype(), "scatter_add", [&]<typename T>() {
    scatter_add_fibres<T><<<blocks_for(fibres), kBlockSize, 0, stream>>>(
        fibres, calc, static_cast<T*>(out.data_ptr()), static_cast<const int64_t*>(index.data_ptr()),
        static_cast<const T*>(src.data_ptr()), len, out.stride(dim), index.stride(dim), src.stride(dim));
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

// ---- masked_select ----

constexpr int kSelectThreads = 256;
constexpr int kSelectItems = 8;  // consecutive elements per thread in the writing pass
constexpr int64_t kSelectTile = int64_t{kSelectThreads} * kSelectItems;
constexpr int kScanThreads = 256;

// counts[t] = selected elements of tile t. Offsets come from calc = (in, mask) over the shape.
__global__ void count_selected(int64_t n, int64_t tiles, OffsetCalculator<2> calc, const bool* mask, int64_t* counts) {
  using Reduce = cub::BlockReduce<int, kSelectThreads>;
  __shared__ typename Reduce::TempStorage temp;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    int count = 0;
    for (int k = 0; k < kSelectItems; ++k) {  // striped: neighbouring threads read neighbours
      const int64_t i = t * kSelectTile + int64_t{k} * kSelectThreads + threadIdx.x;
      if (i < n && mask[calc.get(i)[1]]) ++count;
    }
    const int total = Reduce(temp).Sum(count);
    if (threadIdx.x == 0) counts[t] = total;
    __syncthreads();  // temp is reused for the next tile
  }
}

// In place over values[0, n): values[i] = values[0] + ... + values[i - 1], and values[n] = the
// total. One block walks the array in chunks: the counts are one per tile, so this is short.
__global__ void exclusive_scan_one_block(int64_t* values, int64_t n) {
  using Scan = cub::BlockScan<int64_t, kScanThreads>;
  __shared__ typename Scan::TempStorage temp;
  int64_t running = 0;
  for (int64_t base = 0; base < n; base += kScanThreads) {
    const int64_t i = base + threadIdx.x;
    const int64_t v = i < n ? values[i] : 0;
    int64_t before, chunk_total;
    Scan(temp).ExclusiveSum(v, before, chunk_total);
    if (i < n) values[i] = running + before;
    running += chunk_total;
    __syncthreads();  // temp is reused for the next chunk
  }
  if (threadIdx.x == 0) values[n] = running;
}

// Tile t's selected elements go to out[starts[t]...] in row-major order: thread k takes the
// kSelectItems consecutive elements from t * kSelectTile + k * kSelectItems, and a block scan of
// the per-thread counts places each thread's run.
template <typename T>
__global__ void write_selected(int64_t n, int64_t tiles, OffsetCalculator<2> calc, const T* in, const bool* mask,
                               const int64_t* starts, T* out) {
  using Scan = cub::BlockScan<int, kSelectThreads>;
  __shared__ typename Scan::TempStorage temp;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t first = t * kSelectTile + int64_t{threadIdx.x} * kSelectItems;
    int64_t src[kSelectItems];
    bool take[kSelectItems];
    int count = 0;
    for (int k = 0; k < kSelectItems; ++k) {
      const int64_t i = first + k;
      take[k] = false;
      src[k] = 0;
      if (i < n) {
        const std::array<int64_t, 2> off = calc.get(i);
        src[k] = off[0];
        take[k] = mask[off[1]];
      }
      count += take[k] ? 1 : 0;
    }
    int before;
    Scan(temp).ExclusiveSum(count, before);
    T* dst = out + starts[t] + before;
    for (int k = 0; k < kSelectItems; ++k)
      if (take[k]) *dst++ = in[src[k]];
    __syncthreads();  // temp is reused for the next tile
  }
}

Tensor masked_select_kernel(const Tensor& in, const Tensor& mask) {
  const Device device = in.device();
  const int64_t n = in.numel();
  if (n == 0) return empty({0}, {in.dtype(), device});
  const OffsetCalculator<2> calc(in.shape(), {&in.strides(), &mask.strides()});
  const int64_t tiles = (n + kSelectTile - 1) / kSelectTile;
  DeviceScope scope(device.index);
  const cudaStream_t stream = current_cuda_stream(device);
  // tiles + 1 entries: the per-tile counts, scanned in place into starts plus the total.
  const Tensor starts = empty({tiles + 1}, {DType::i64, device});
  int64_t* const pstarts = static_cast<int64_t*>(starts.data_ptr());
  const bool* const pmask = static_cast<const bool*>(mask.data_ptr());
  count_selected<<<blocks_for(tiles, 1), kSelectThreads, 0, stream>>>(n, tiles, calc, pmask, pstarts);
  NIMBUS_CUDA_CHECK_LAUNCH();
  exclusive_scan_one_block<<<1, kScanThreads, 0, stream>>>(pstarts, tiles);
  NIMBUS_CUDA_CHECK_LAUNCH();
  // The result's size is data: wait for it. Kernel errors also surface here.
  int64_t total = 0;
  NIMBUS_CUDA_CHECK(cudaMemcpyAsync(&total, pstarts + tiles, sizeof(total), cudaMemcpyDeviceToHost, stream));
  NIMBUS_CUDA_CHECK(cudaStreamSynchronize(stream));
  Tensor out = empty({total}, {in.dtype(), device});
  if (total == 0) return out;
  NIMBUS_DISPATCH(in.dtype(), "masked_select", [&]<typename T>() {
    write_selected<T><<<blocks_for(tiles, 1), kSelectThreads, 0, stream>>>(
        n, tiles, calc, static_cast<const T*>(in.data_ptr()), pmask, pstarts, static_cast<T*>(out.data_ptr()));
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
  return out;
}

// ---- cumsum ----

constexpr int64_t kPiece = cpu::kChunk;  // the CPU's piece length: part of the result's definition

// Accumulator as on the CPU: double for floating dtypes, int64 for integers and bool.
template <typename T>
using ScanAcc = std::conditional_t<std::is_floating_point_v<compute_t<T>>, double, int64_t>;

template <typename T>
NIMBUS_INLINE ScanAcc<T> scan_load(T v) {
  return static_cast<ScanAcc<T>>(convert<compute_t<T>>(v));
}

// Task t is piece t / K of line t % K (neighbouring threads, neighbouring lines). Writes the
// piece's total to totals[t].
template <typename T>
__global__ void cumsum_piece_totals(int64_t tasks, int64_t K, int64_t n, OffsetCalculator<2> lines, const T* x,
                                    int64_t s, ScanAcc<T>* totals) {
  NIMBUS_GRID_STRIDE(t, tasks) {
    const int64_t piece = t / K, line = t - piece * K;
    const T* const px = x + lines.get(line)[0];
    const int64_t end = piece * kPiece + kPiece < n ? piece * kPiece + kPiece : n;
    ScanAcc<T> local(0);
    for (int64_t i = piece * kPiece; i < end; ++i) local += scan_load(px[i * s]);
    totals[t] = local;
  }
}

// Per line, piece totals -> exclusive running carries, in piece order (the CPU's order).
template <typename Acc>
__global__ void cumsum_carries(int64_t K, int64_t pieces, Acc* carry) {
  NIMBUS_GRID_STRIDE(line, K) {
    Acc running(0);
    for (int64_t p = 0; p < pieces; ++p) {
      const Acc total = carry[p * K + line];
      carry[p * K + line] = running;
      running += total;
    }
  }
}

// Scans each piece from its carry (0 when carry is null: one piece per line).
template <typename T, typename Out>
__global__ void cumsum_pieces(int64_t tasks, int64_t K, int64_t n, OffsetCalculator<2> lines, const T* x, int64_t s,
                              Out* o, int64_t so, const ScanAcc<T>* carry) {
  NIMBUS_GRID_STRIDE(t, tasks) {
    const int64_t piece = t / K, line = t - piece * K;
    const std::array<int64_t, 2> off = lines.get(line);
    const T* const px = x + off[0];
    Out* const po = o + off[1];
    const int64_t end = piece * kPiece + kPiece < n ? piece * kPiece + kPiece : n;
    const ScanAcc<T> c = carry ? carry[t] : ScanAcc<T>(0);
    ScanAcc<T> local(0);
    for (int64_t i = piece * kPiece; i < end; ++i) {
      local += scan_load(px[i * s]);
      po[i * so] = convert<Out>(c + local);
    }
  }
}

template <typename T, typename Out>
void cumsum_typed(const Tensor& out, const Tensor& in, int dim) {
  using Acc = ScanAcc<T>;
  const Shape line_shape = without_dim(in.shape(), dim);
  const int64_t K = shape_numel(line_shape), n = in.size(dim);
  if (K == 0 || n == 0) return;
  const Shape in_strides = without_dim(in.strides(), dim), out_strides = without_dim(out.strides(), dim);
  const OffsetCalculator<2> lines(line_shape, {&in_strides, &out_strides});
  const int64_t pieces = (n + kPiece - 1) / kPiece, tasks = K * pieces;
  const Device device = in.device();
  DeviceScope scope(device.index);
  const cudaStream_t stream = current_cuda_stream(device);
  const T* const x = static_cast<const T*>(in.data_ptr());
  Tensor carry;  // [pieces, K] piece totals, then carries; only for lines longer than one piece
  const Acc* pcarry = nullptr;
  if (pieces > 1) {
    carry = empty({tasks}, {std::is_same_v<Acc, double> ? DType::f64 : DType::i64, device});
    Acc* const p = static_cast<Acc*>(carry.data_ptr());
    cumsum_piece_totals<T><<<blocks_for(tasks), kBlockSize, 0, stream>>>(tasks, K, n, lines, x, in.stride(dim), p);
    NIMBUS_CUDA_CHECK_LAUNCH();
    cumsum_carries<Acc><<<blocks_for(K), kBlockSize, 0, stream>>>(K, pieces, p);
    NIMBUS_CUDA_CHECK_LAUNCH();
    pcarry = p;
  }
  cumsum_pieces<T, Out><<<blocks_for(tasks), kBlockSize, 0, stream>>>(
      tasks, K, n, lines, x, in.stride(dim), static_cast<Out*>(out.data_ptr()), out.stride(dim), pcarry);
  NIMBUS_CUDA_CHECK_LAUNCH();
}

void cumsum_kernel(const Tensor& out, const Tensor& in, int dim) {
  NIMBUS_DISPATCH(in.dtype(), "cumsum", [&]<typename T>() {
    if constexpr (std::is_floating_point_v<compute_t<T>>) cumsum_typed<T, T>(out, in, dim);
    else cumsum_typed<T, int64_t>(out, in, dim);
  });
}

}  // namespace

void fill_indexing_kernels(KernelTable& table) {
  table.index_select = index_select_kernel;
  table.gather = gather_kernel;
  table.scatter_add = scatter_add_kernel;
  table.masked_select = masked_select_kernel;
  table.cumsum = cumsum_kernel;
}

}  // namespace nimbus::cuda
