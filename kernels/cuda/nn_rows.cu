// CUDA kernels of the row ops: softmax and log_softmax, layer norm, cross-entropy, forward and
// backward.
//
// Design
// - Contiguous rows (the [outer, n, inner] view with inner == 1: softmax over the last dim, every
//   layer norm, cross-entropy over [N, C]) go to the fast kernels of nn_rows_fast.cuh: a warp per
//   row for n <= 1024 (the row in registers), a block per row beyond (the row staged in shared
//   memory with 16-byte loads when it fits). Their reductions combine per-thread partials in a
//   fixed order, so results are deterministic; they use the CPU's formulas and exp
//   (kernels/functors/row_ops.h) and differ from it only in the order of the sums (and, for
//   layer norm's moments, which the CPU sums in double, in their precision).
// - Strided rows (inner > 1) keep one row per thread through the single-source row functions of
//   row_ops.h that the CPU runs, so the two devices do the same arithmetic in the same order (up
//   to the compilers' contraction of a * b + c into one fused multiply-add). Adjacent threads
//   then read adjacent rows, which is coalesced along inner.
// - Layer norm's grad_weight/grad_bias sum over rows per column: one thread per column in row
//   order when the rows are few, else a two-stage deterministic sum (nn_rows_colsum.cuh).
// No kernel here uses atomics.
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/nn_rows_colsum.cuh"
#include "kernels/cuda/nn_rows_fast.cuh"
#include "kernels/functors/row_ops.h"

namespace nimbus::cuda {

namespace {

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
    if (inner == 1) {
      rowk::launch_rows(rowk::SoftmaxOp<T>{static_cast<T*>(out.data_ptr()), static_cast<const T*>(in.data_ptr()), n, log},
                        outer, n, stream);
      return;
    }
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
    if (inner == 1) {
      rowk::launch_rows(rowk::SoftmaxBackwardOp<T>{static_cast<T*>(grad_in.data_ptr()),
                                                   static_cast<const T*>(grad_out.data_ptr()),
                                                   static_cast<const T*>(out.data_ptr()), n, log},
                        outer, n, stream);
      return;
    }
    softmax_backward_rows<T><<<blocks_for(outer * inner), kBlockSize, 0, stream>>>(
        static_cast<T*>(grad_in.data_ptr()), static_cast<const T*>(grad_out.data_ptr()),
        static_cast<const T*>(out.data_ptr()), outer, n, inner, log);
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
}

// ---- layer norm ----

// grad_weight[j] = sum_r g * xhat, grad_bias[j] = sum_r g: one thread per column, rows in order
// (the CPU's order, so the sums round alike), for few rows; nn_rows_colsum.cuh splits many rows.
// Adjacent threads read adjacent columns: coalesced.
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
    rowk::launch_rows(rowk::LayerNormOp<T>{static_cast<T*>(out.data_ptr()), static_cast<Acc*>(mean.data_ptr()),
                                           static_cast<Acc*>(rstd.data_ptr()), static_cast<const T*>(x.data_ptr()),
                                           optional_data<T>(weight), optional_data<T>(bias), n, static_cast<Acc>(eps)},
                      rows, n, stream);
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
      rowk::launch_rows(rowk::LayerNormBackwardOp<T>{static_cast<T*>(grad_in.data_ptr()), g, px,
                                                     optional_data<T>(weight), pm, pr, n},
                        rows, n, stream);
    }
    if ((grad_weight.defined() || grad_bias.defined()) && n > 0) {
      T* const gw = grad_weight.defined() ? static_cast<T*>(grad_weight.data_ptr()) : nullptr;
      T* const gb = grad_bias.defined() ? static_cast<T*>(grad_bias.data_ptr()) : nullptr;
      const rowk::ColumnChunks split = rowk::column_chunks(rows, n);
      if (split.chunks > 1) {
        rowk::launch_column_grads_two_stage<T, Acc>(gw, gb, g, px, pm, pr, rows, n, split, x.device(), stream);
      } else {
        layer_norm_column_grads<T, Acc><<<blocks_for(n), kBlockSize, 0, stream>>>(gw, gb, g, px, pm, pr, rows, n);
        NIMBUS_CUDA_CHECK_LAUNCH();
      }
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
    if (inner == 1) {
      rowk::launch_rows(rowk::CrossEntropyOp<T>{static_cast<Acc*>(loss.data_ptr()),
                                                static_cast<const T*>(logits.data_ptr()),
                                                static_cast<const int64_t*>(target.data_ptr()), C, ignore_index,
                                                static_cast<Acc>(label_smoothing)},
                        N, C, stream);
      return;
    }
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
    if (inner == 1) {
      rowk::launch_rows(rowk::CrossEntropyBackwardOp<T>{static_cast<T*>(grad_logits.data_ptr()),
                                                        static_cast<const T*>(logits.data_ptr()),
                                                        static_cast<const int64_t*>(target.data_ptr()),
                                                        static_cast<const Acc*>(scale.data_ptr()), scale.stride(0), C,
                                                        ignore_index, static_cast<Acc>(label_smoothing)},
                        N, C, stream);
      return;
    }
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
