// CUDA conv2d, forward and backward: im2col + cuBLAS GEMM, with the CPU's semantics
// (kernels/cpu/conv_cpu.cpp); and the table entries of pooling (pool.cuh).
//
// Design
// - Images go in chunks whose temporary buffers stay under kChunkBytes, so memory does not grow
//   with the batch. Per chunk, im2col (conv_columns.cuh) writes the columns of every image, and
//   the GEMMs run per (image, group) pair as strided batches over whichever of images and groups
//   is longer, looping over the other. A 1x1 kernel at stride 1 without padding reads the input
//   as its columns (no im2col), as on the CPU.
// - f16/bf16: the GEMMs read the 16-bit operands (products exact in f32) and write f32 sums into
//   a temporary; one epilogue adds the bias in f32 and rounds once, as the CPU does after its f32
//   conversion. f32 computes in f32 (TF32 only with NIMBUS_ALLOW_TF32=1), f64 in f64.
// - Backward: grad_bias is one block per channel reducing (n, l) in a fixed tree; grad_weight is
//   one GEMM per image (batched over groups) accumulated into the result with beta = 1 in image
//   order, the CPU's order; grad_input is the GEMM weight^T @ grad_out into f32/f64 columns and a
//   gather col2im (one thread per input element, no atomics). Everything is deterministic.
// - cuDNN, when switched on (NIMBUS_CUDA_CUDNN=1, off by default), is tried first in
//   conv2d_kernel and conv2d_backward_kernel below; whatever it declines runs here (Note [cuDNN
//   convolution] in cudnn_conv.cu). The bias is added here after cuDNN's forward, and grad_bias
//   is always this file's kernel.
#include <algorithm>
#include <type_traits>

#include "kernels/cuda/conv_columns.cuh"
#include "kernels/cuda/cublas_gemm.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cudnn_conv.h"
#include "kernels/cuda/pool.cuh"
#include "kernels/kernel_switch.h"
#include "runtime/convert.h"

namespace nimbus::cuda {

namespace {

constexpr int64_t kChunkBytes = int64_t{256} << 20;  // temporary buffers per chunk of images
constexpr int kBiasBlock = 256;                        // threads per channel of the bias gradient

// Images per chunk when each needs `per_image` bytes of temporaries: at least one.
int64_t images_per_chunk(int64_t N, int64_t per_image) {
  if (per_image <= 0) return N;
  return std::clamp<int64_t>(kChunkBytes / per_image, 1, N);
}

template <typename T>
T* data_or_null(const Tensor& t) {
  return t.defined() ? static_cast<T*>(t.data_ptr()) : nullptr;
}

// A GEMM operand indexed by (image, group): base pointer, element size, leading dimension, the
// element strides between images and between groups, and whether it is used transposed.
struct PairOperand {
  const void* data;
  int64_t element_size, ld, image_stride, group_stride;
  bool transposed;

  const void* at(int64_t image, int64_t group) const {
    return static_cast<const char*>(data) + (image * image_stride + group * group_stride) * element_size;
  }
};

// c[n, g] = op(a[n, g]) @ op(b[n, g]) (+ c[n, g] when accumulate) for n < images, g < groups,
// each [m, k] x [k, n_cols]. Strided batches over the longer of the two, looping over the other.
void gemm_pairs(Device device, DType in, DType out, int64_t images, int64_t groups, int64_t m, int64_t n_cols,
                int64_t k, const PairOperand& a, const PairOperand& b, const PairOperand& c, bool accumulate,
                const char* op) {
  const bool batch_images = images >= groups;
  const int64_t loops = batch_images ? groups : images, batches = batch_images ? images : groups;
  auto operand = [&](const PairOperand& p, int64_t i) {
    const void* base = batch_images ? p.at(0, i) : p.at(i, 0);
    return GemmOperand{base, p.ld, batch_images ? p.image_stride : p.group_stride, p.transposed};
  };
  for (int64_t i = 0; i < loops; ++i) {
    const GemmOperand oc = operand(c, i);
    row_major_gemm(device, in, out, batches, m, n_cols, k, operand(a, i), operand(b, i), const_cast<void*>(oc.data),
                   oc.ld, oc.stride, accumulate, op);
  }
}

// out[i] = T(acc[i] + bias[channel of i]) over [images, O, L]; bias may be null (a plain store).
// acc may be out itself (T == Acc): each thread reads its element before writing it.
template <typename T, typename Acc>
__global__ void store_with_bias_kernel(T* out, const Acc* acc, const T* bias, int64_t total, int64_t O, int64_t L) {
  NIMBUS_GRID_STRIDE(i, total) {
    Acc v = acc[i];
    if (bias != nullptr) v += convert<Acc>(bias[(i / L) % O]);
    out[i] = convert<T>(v);
  }
}

template <typename T, typename Acc>
void store_with_bias(T* out, const Acc* acc, const T* bias, int64_t total, int64_t O, int64_t L, cudaStream_t stream) {
  store_with_bias_kernel<T, Acc><<<blocks_for(total), kBlockSize, 0, stream>>>(out, acc, bias, total, O, L);
  NIMBUS_CUDA_CHECK_LAUNCH();
}

// out[i] += bias[channel of i] over [N, O, L], added in the accumulation type: the bias of a
// forward that cuDNN computed. For f16/bf16 this rounds a second time after cuDNN's rounding (the
// im2col path rounds once), which the cuDNN parity test's tolerance allows for.
template <typename T>
__global__ void add_bias_kernel(T* out, const T* bias, int64_t total, int64_t O, int64_t L) {
  using Acc = compute_t<T>;
  NIMBUS_GRID_STRIDE(i, total) { out[i] = convert<T>(convert<Acc>(out[i]) + convert<Acc>(bias[(i / L) % O])); }
}

// gb[o] = sum over (n, l) of grad_out [N, O, L]: one block per channel (grid-stride over
// channels); thread t sums elements t, t + kBiasBlock, ... in order, then the block combines the
// per-thread sums in a fixed tree. Fixed order: deterministic.
template <typename T, typename Acc>
__global__ void bias_grad_kernel(T* gb, const T* go, int64_t N, int64_t O, int64_t L) {
  __shared__ Acc partial[kBiasBlock];
  const int t = static_cast<int>(threadIdx.x);
  for (int64_t o = blockIdx.x; o < O; o += gridDim.x) {
    Acc s = 0;
    for (int64_t j = t; j < N * L; j += kBiasBlock) s += convert<Acc>(go[((j / L) * O + o) * L + j % L]);
    partial[t] = s;
    __syncthreads();
    for (int half = kBiasBlock / 2; half > 0; half /= 2) {
      if (t < half) partial[t] += partial[t + half];
      __syncthreads();
    }
    if (t == 0) gb[o] = convert<T>(partial[0]);
    __syncthreads();  // partial is reused by the next channel
  }
}

template <typename T>
void forward(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvShape& g) {
  using Acc = compute_t<T>;
  constexpr bool kWideAcc = !std::is_same_v<T, Acc>;  // f16/bf16: GEMM sums kept in f32
  constexpr const char* op = "conv2d";
  const Device device = out.device();
  const cudaStream_t stream = current_cuda_stream(device);
  const DType dt = out.dtype(), acc_dt = kWideAcc ? DType::f32 : dt;
  const bool direct = g.direct();
  const int64_t col_elems = g.column_rows() * g.L;  // per image
  const int64_t per_image = (direct ? 0 : col_elems * int64_t{sizeof(T)}) + (kWideAcc ? g.O * g.L * int64_t{sizeof(Acc)} : 0);
  const int64_t chunk = images_per_chunk(g.N, per_image);
  // Freed in stream order at return: the allocator reuses them only after this stream's work.
  const Tensor cols = direct || g.K == 0 ? Tensor() : empty({chunk * col_elems}, {dt, device});
  const Tensor acc_buf = kWideAcc ? empty({chunk * g.O * g.L}, {DType::f32, device}) : Tensor();

  T* const po = static_cast<T*>(out.data_ptr());
  const T* const px = static_cast<const T*>(x.data_ptr());
  const T* const pb = data_or_null<const T>(bias);
  for (int64_t n0 = 0; n0 < g.N; n0 += chunk) {
    const int64_t nb = std::min(chunk, g.N - n0);
    T* const oc = po + n0 * g.O * g.L;
    Acc* const acc = kWideAcc ? static_cast<Acc*>(acc_buf.data_ptr()) : reinterpret_cast<Acc*>(oc);
    if (g.K == 0) {  // no input channels: the sums over nothing are zero (cuBLAS needs k >= 1)
      NIMBUS_CUDA_CHECK(cudaMemsetAsync(acc, 0, static_cast<size_t>(nb * g.O * g.L) * sizeof(Acc), stream));
    } else {
      // Without im2col x is read in place, which is only valid because x was allocated (N > 0,
      // C > 0 and direct means H, W >= 1).
      const T* xc = px == nullptr ? nullptr : px + n0 * g.C * g.H * g.W;
      const T* columns = xc;
      if (!direct) {
        im2col_kernel<T><<<blocks_for(nb * col_elems), kBlockSize, 0, stream>>>(static_cast<T*>(cols.data_ptr()),
                                                                                xc, g, nb);
        NIMBUS_CUDA_CHECK_LAUNCH();
        columns = static_cast<const T*>(cols.data_ptr());
      }
      const int64_t es = sizeof(T), ea = sizeof(Acc);
      // out[n, g] [Og, L] = weight[g] [Og, K] @ columns[n, g] [K, L]
      gemm_pairs(device, dt, acc_dt, nb, g.groups, g.Og, g.L, g.K,
                 {weight.data_ptr(), es, g.K, 0, g.Og * g.K, false},
                 {columns, es, g.L, col_elems, g.K * g.L, false},
                 {acc, ea, g.L, g.O * g.L, g.Og * g.L, false}, false, op);
    }
    if (kWideAcc || pb != nullptr) store_with_bias<T, Acc>(oc, acc, pb, nb * g.O * g.L, g.O, g.L, stream);
  }
}

template <typename T>
void backward(const Tensor& grad_input, const Tensor& grad_weight, const Tensor& grad_bias, const Tensor& grad_out,
              const Tensor& x, const Tensor& weight, const ConvShape& g) {
  using Acc = compute_t<T>;
  constexpr bool kWideAcc = !std::is_same_v<T, Acc>;
  constexpr const char* op = "conv2d_backward";
  const Device device = grad_out.device();
  const cudaStream_t stream = current_cuda_stream(device);
  const DType dt = grad_out.dtype(), acc_dt = kWideAcc ? DType::f32 : dt;
  const T* const go = static_cast<const T*>(grad_out.data_ptr());

  if (grad_bias.defined()) {
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(g.O, int64_t{1} << 20));
    bias_grad_kernel<T, Acc><<<blocks, kBiasBlock, 0, stream>>>(static_cast<T*>(grad_bias.data_ptr()), go, g.N, g.O,
                                                                g.L);
    NIMBUS_CUDA_CHECK_LAUNCH();
  }
  const bool want_gi = grad_input.defined(), want_gw = grad_weight.defined();
  // The public op answers empty inputs itself (all-zero gradients); C == 0 would mean x is empty.
  if ((!want_gi && !want_gw) || g.K == 0 || g.L == 0) return;

  const bool direct = g.direct();
  const int64_t col_elems = g.column_rows() * g.L;  // per image
  // grad_input's GEMM writes straight into grad_input when it already is the column matrix.
  const bool gi_in_place = direct && !kWideAcc;
  const bool need_cols = want_gw && !direct, need_grad_cols = want_gi && !gi_in_place;
  const int64_t per_image = (need_cols ? col_elems * int64_t{sizeof(T)} : 0) +
                            (need_grad_cols ? col_elems * int64_t{sizeof(Acc)} : 0);
  const int64_t chunk = images_per_chunk(g.N, per_image);
  const Tensor cols = need_cols ? empty({chunk * col_elems}, {dt, device}) : Tensor();
  const Tensor grad_cols = need_grad_cols ? empty({chunk * col_elems}, {acc_dt, device}) : Tensor();
  // grad_weight accumulates over every image before its single rounding (f32 for 16-bit).
  const Tensor gw_acc = want_gw && kWideAcc ? empty(grad_weight.shape(), {DType::f32, device}) : Tensor();
  void* const gw = want_gw ? (kWideAcc ? gw_acc.data_ptr() : grad_weight.data_ptr()) : nullptr;

  const T* const px = static_cast<const T*>(x.data_ptr());
  const int64_t es = sizeof(T), ea = sizeof(Acc);
  for (int64_t n0 = 0; n0 < g.N; n0 += chunk) {
    const int64_t nb = std::min(chunk, g.N - n0);
    const T* const goc = go + n0 * g.O * g.L;
    const T* const xc = px + n0 * g.C * g.H * g.W;
    if (want_gw) {
      const T* columns = xc;
      if (!direct) {
        im2col_kernel<T><<<blocks_for(nb * col_elems), kBlockSize, 0, stream>>>(static_cast<T*>(cols.data_ptr()),
                                                                                xc, g, nb);
        NIMBUS_CUDA_CHECK_LAUNCH();
        columns = static_cast<const T*>(cols.data_ptr());
      }
      // grad_weight[g] [Og, K] (+)= grad_out[n, g] [Og, L] @ columns[n, g]^T [L, K], image by
      // image in order; the very first image overwrites (beta = 0), so no zero fill is needed.
      for (int64_t n = 0; n < nb; ++n)
        gemm_pairs(device, dt, acc_dt, 1, g.groups, g.Og, g.K, g.L,
                   {goc + n * g.O * g.L, es, g.L, 0, g.Og * g.L, false},
                   {columns + n * col_elems, es, g.L, 0, g.K * g.L, true},
                   {gw, ea, g.K, 0, g.Og * g.K, false}, n0 + n > 0, op);
    }
    if (want_gi) {
      T* const gic = static_cast<T*>(grad_input.data_ptr()) + n0 * g.C * g.H * g.W;
      void* const dst = gi_in_place ? static_cast<void*>(gic) : grad_cols.data_ptr();
      // grad_columns[n, g] [K, L] = weight[g]^T [K, Og] @ grad_out[n, g] [Og, L]
      gemm_pairs(device, dt, acc_dt, nb, g.groups, g.K, g.L, g.Og,
                 {weight.data_ptr(), es, g.K, 0, g.Og * g.K, true},
                 {goc, es, g.L, g.O * g.L, g.Og * g.L, false},
                 {dst, ea, g.L, col_elems, g.K * g.L, false}, false, op);
      if (!gi_in_place) {
        col2im_kernel<T, Acc><<<blocks_for(nb * g.C * g.H * g.W), kBlockSize, 0, stream>>>(
            gic, static_cast<const Acc*>(grad_cols.data_ptr()), g, nb);
        NIMBUS_CUDA_CHECK_LAUNCH();
      }
    }
  }
  if (want_gw && kWideAcc)
    store_with_bias<T, Acc>(static_cast<T*>(grad_weight.data_ptr()), static_cast<const Acc*>(gw_acc.data_ptr()),
                            nullptr, grad_weight.numel(), 1, 1, stream);
}

void conv2d_kernel(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const Conv2dParams& params) {
  if (out.numel() == 0) return;
  DeviceScope scope(out.device().index);
  const ConvShape g = conv_shape(x, weight, params, out.size(2), out.size(3));
  const bool on_cudnn = cudnn_switch().enabled() && cudnn_conv2d_forward(out, x, weight, g);
  NIMBUS_DISPATCH_FLOAT(out.dtype(), "conv2d", [&]<typename T>() {
    if (!on_cudnn) return forward<T>(out, x, weight, bias, g);
    if (!bias.defined()) return;
    const int64_t total = out.numel();
    add_bias_kernel<T><<<blocks_for(total), kBlockSize, 0, current_cuda_stream(out.device())>>>(
        static_cast<T*>(out.data_ptr()), static_cast<const T*>(bias.data_ptr()), total, g.O, g.L);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

void conv2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_weight, const Tensor& grad_bias,
                            const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Conv2dParams& params) {
  if (grad_out.numel() == 0 || x.numel() == 0) return;  // the public op fills the zero gradients
  DeviceScope scope(grad_out.device().index);
  const ConvShape g = conv_shape(x, weight, params, grad_out.size(2), grad_out.size(3));
  // A gradient that cuDNN computed is passed on undefined, so the im2col path skips it.
  Tensor gi = grad_input, gw = grad_weight;
  if (cudnn_switch().enabled()) {
    if (gi.defined() && cudnn_conv2d_backward_data(gi, grad_out, weight, g)) gi = Tensor();
    if (gw.defined() && cudnn_conv2d_backward_filter(gw, grad_out, x, g)) gw = Tensor();
  }
  NIMBUS_DISPATCH_FLOAT(x.dtype(), "conv2d_backward", [&]<typename T>() {
    backward<T>(gi, gw, grad_bias, grad_out, x, weight, g);
  });
}

}  // namespace

void fill_conv_kernels(KernelTable& table) {
  table.conv2d = conv2d_kernel;
  table.conv2d_backward = conv2d_backward_kernel;
  fill_pool_entries(table);
}

}  // namespace nimbus::cuda
