// CUDA kernels of the row ops: softmax and log_softmax, layer norm, cross-entropy, forward and
// backward.
//
// Design (first version): one row per thread, each row computed by the single-source row
// functions of kernels/functors/row_ops.h that the CPU runs, so the two devices do the same
// arithmetic in the same order (up to the compilers' contraction of a * b + c into one fused
// multiply-add). Rows never share a thread, so there are no atomics and results are
// deterministic. A thread walking a row of a contiguous [rows, n] tensor reads memory n elements
// apart from its neighbours, which is slow for wide rows; a block- or warp-per-row kernel replaces
// this where it pays, once a GPU is at hand to measure it and check parity.
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/functors/row_ops.h"

namespace nimbus::cuda {

namespace {

#define NIMBUS_GRID_STRIDE(i, count)                                                                 \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (count);         \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

template <typename T>
const T* optional_data(const Tensor& t) {
  return t.defined() ? static_cast<const T*>(t.data_ptr()) : nullptr;
}

// ---- softmax ----

template <typename T>
__global__ void softmax_rows(T* out, const T* x, int64_t outer, int64_t n, int64_t inner, bool log) {
  NIMBUS_GRID_STRIDE(r, outer * inner) {
    const int64_t base = (r / inner) * n * inner + r % inner;
    functors::softmax_row(out + base, x + base, n, inner, log);
  }
}

template <typename T>
__global__ void softmax_backward_rows(T* gi, const T* g, const T* y, int64_t outer, int64_t n, int64_t inner,
                                      bool log) {
  NIMBUS_GRID_STRIDE(r, outer * inner) {
    const int64_t base = (r / inner) * n * inner + r % inner;
    functors::softmax_backward_row(gi + base, g + base, y + base, n, inner, log);
  }
}

void softmax_kernel(bool log, const Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner) {
  if (outer * inner == 0) return;
  DeviceScope scope(in.device().index);
  const cudaStream_t stream = current_cuda_stream(in.device());
  NIMBUS_DISPATCH_FLOAT(in.dtype(), log ? "log_softmax" : "softmax", [&]<typename T>() {
    softmax_rows<T><<<blocks_for(outer * inner), kBlockSize, 0, stream>>>(
        static_cast<T*>(out.data_ptr()), static_cast<const T*>(in.data_ptr()), outer, n, inner, log);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

void softmax_backward_kernel(bool log, const Tensor& grad_in, const Tensor& grad_out, const Tensor& out,
                             int64_t outer, int64_t n, int64_t inner) {
  if (outer * inner == 0) return;
  DeviceScope scope(out.device().index);
  const cudaStream_t stream = current_cuda_stream(out.device());
  NIMBUS_DISPATCH_FLOAT(out.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&]<typename T>() {
    softmax_backward_rows<T><<<blocks_for(outer * inner), kBlockSize, 0, stream>>>(
        static_cast<T*>(grad_in.data_ptr()), static_cast<const T*>(grad_out.data_ptr()),
        static_cast<const T*>(out.data_ptr()), outer, n, inner, log);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

// ---- layer norm ----

template <typename T, typename Acc>
__global__ void layer_norm_rows(T* out, Acc* mean, Acc* rstd, const T* x, const T* w, const T* b, int64_t rows,
                                int64_t n, Acc eps) {
  NIMBUS_GRID_STRIDE(r, rows) functors::layer_norm_row(out + r * n, mean + r, rstd + r, x + r * n, w, b, n, eps);
}

template <typename T, typename Acc>
__global__ void layer_norm_backward_rows(T* gi, const T* g, const T* x, const T* w, const Acc* mean,
                                         const Acc* rstd, int64_t rows, int64_t n) {
  NIMBUS_GRID_STRIDE(r, rows)
  functors::layer_norm_backward_row(gi + r * n, g + r * n, x + r * n, w, mean[r], rstd[r], n);
}

// grad_weight[j] = sum_r g * xhat, grad_bias[j] = sum_r g: one thread per column, rows in order
// (the CPU's order, so the sums round alike). Adjacent threads read adjacent columns: coalesced.
template <typename T, typename Acc>
__global__ void layer_norm_column_grads(T* gw, T* gb, const T* g, const T* x, const Acc* mean, const Acc* rstd,
                                        int64_t rows, int64_t n) {
  NIMBUS_GRID_STRIDE(j, n) {
    Acc acc_w = 0, acc_b = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const Acc gv = convert<Acc>(g[r * n + j]);
      acc_w += gv * (convert<Acc>(x[r * n + j]) - mean[r]) * rstd[r];
      acc_b += gv;
    }
    if (gw) gw[j] = convert<T>(acc_w);
    if (gb) gb[j] = convert<T>(acc_b);
  }
}

void layer_norm_kernel(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                       const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t rows = x.size(0), n = x.size(1);
  if (rows == 0) return;
  DeviceScope scope(x.device().index);
  const cudaStream_t stream = current_cuda_stream(x.device());
  NIMBUS_DISPATCH_FLOAT(x.dtype(), "layer_norm", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    layer_norm_rows<T, Acc><<<blocks_for(rows), kBlockSize, 0, stream>>>(
        static_cast<T*>(out.data_ptr()), static_cast<Acc*>(mean.data_ptr()), static_cast<Acc*>(rstd.data_ptr()),
        static_cast<const T*>(x.data_ptr()), optional_data<T>(weight), optional_data<T>(bias), rows, n,
        static_cast<Acc>(eps));
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

void layer_norm_backward_kernel(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                                const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                const Tensor& weight) {
  const int64_t rows = x.size(0), n = x.size(1);
  DeviceScope scope(x.device().index);
  const cudaStream_t stream = current_cuda_stream(x.device());
  NIMBUS_DISPATCH_FLOAT(x.dtype(), "layer_norm_backward", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    const T* const g = static_cast<const T*>(grad_out.data_ptr());
    const T* const px = static_cast<const T*>(x.data_ptr());
    const Acc* const pm = static_cast<const Acc*>(mean.data_ptr());
    const Acc* const pr = static_cast<const Acc*>(rstd.data_ptr());
    if (grad_in.defined() && rows > 0) {
      layer_norm_backward_rows<T, Acc><<<blocks_for(rows), kBlockSize, 0, stream>>>(
          static_cast<T*>(grad_in.data_ptr()), g, px, optional_data<T>(weight), pm, pr, rows, n);
      NIMBUS_CUDA_CHECK_LAUNCH();
    }
    if ((grad_weight.defined() || grad_bias.defined()) && n > 0) {
      T* const gw = grad_weight.defined() ? static_cast<T*>(grad_weight.data_ptr()) : nullptr;
      T* const gb = grad_bias.defined() ? static_cast<T*>(grad_bias.data_ptr()) : nullptr;
      layer_norm_column_grads<T, Acc><<<blocks_for(n), kBlockSize, 0, stream>>>(gw, gb, g, px, pm, pr, rows, n);
      NIMBUS_CUDA_CHECK_LAUNCH();
    }
  });
}

// ---- cross-entropy ----

template <typename T, typename Acc>
__global__ void cross_entropy_rows(Acc* loss, const T* z, const int64_t* target, int64_t N, int64_t C,
                                   int64_t inner, int64_t ignore_index, Acc ls) {
  NIMBUS_GRID_STRIDE(r, N * inner) {
    const int64_t base = (r / inner) * C * inner + r % inner;
    loss[r] = target[r] == ignore_index ? Acc(0) : functors::cross_entropy_row(z + base, C, inner, target[r], ls);
  }
}

template <typename T, typename Acc>
__global__ void cross_entropy_backward_rows(T* gz, const T* z, const int64_t* target, const Acc* scale, int64_t s0,
                                            int64_t s1, int64_t N, int64_t C, int64_t inner, int64_t ignore_index,
                                            Acc ls) {
  NIMBUS_GRID_STRIDE(r, N * inner) {
    const int64_t i = r / inner, j = r % inner, base = i * C * inner + j;
    if (target[r] == ignore_index) {
      for (int64_t c = 0; c < C; ++c) gz[base + c * inner] = convert<T>(Acc(0));
    } else {
      functors::cross_entropy_backward_row(gz + base, z + base, C, inner, target[r], ls, scale[i * s0 + j * s1]);
    }
  }
}

void cross_entropy_kernel(const Tensor& loss, const Tensor& logits, const Tensor& target, int64_t ignore_index,
                          double label_smoothing) {
  const int64_t N = logits.size(0), C = logits.size(1), inner = logits.size(2);
  if (N * inner == 0) return;
  DeviceScope scope(logits.device().index);
  const cudaStream_t stream = current_cuda_stream(logits.device());
  NIMBUS_DISPATCH_FLOAT(logits.dtype(), "cross_entropy", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    cross_entropy_rows<T, Acc><<<blocks_for(N * inner), kBlockSize, 0, stream>>>(
        static_cast<Acc*>(loss.data_ptr()), static_cast<const T*>(logits.data_ptr()),
        static_cast<const int64_t*>(target.data_ptr()), N, C, inner, ignore_index, static_cast<Acc>(label_smoothing));
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

void cross_entropy_backward_kernel(const Tensor& grad_logits, const Tensor& logits, const Tensor& target,
                                   const Tensor& scale, int64_t ignore_index, double label_smoothing) {
  const int64_t N = logits.size(0), C = logits.size(1), inner = logits.size(2);
  if (N * inner == 0) return;
  DeviceScope scope(logits.device().index);
  const cudaStream_t stream = current_cuda_stream(logits.device());
  NIMBUS_DISPATCH_FLOAT(logits.dtype(), "cross_entropy_backward", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    cross_entropy_backward_rows<T, Acc><<<blocks_for(N * inner), kBlockSize, 0, stream>>>(
        static_cast<T*>(grad_logits.data_ptr()), static_cast<const T*>(logits.data_ptr()),
        static_cast<const int64_t*>(target.data_ptr()), static_cast<const Acc*>(scale.data_ptr()), scale.stride(0),
        scale.stride(1), N, C, inner, ignore_index, static_cast<Acc>(label_smoothing));
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace

void fill_nn_kernels(KernelTable& table) {
  table.softmax = softmax_kernel;
  table.softmax_backward = softmax_backward_kernel;
  table.layer_norm = layer_norm_kernel;
  table.layer_norm_backward = layer_norm_backward_kernel;
  table.cross_entropy = cross_entropy_kernel;
  table.cross_entropy_backward = cross_entropy_backward_kernel;
}

}  // namespace nimbus::cuda
