// CPU kernels of layer norm, forward and backward.
//
// Design
// - The public op (kernels/nn_norm.cpp) passes x contiguous and seen as [rows, n]. Forward and
//   grad_input are row functions (kernels/functors/row_ops.h), one row per loop iteration, rows
//   spread over threads: no sharing, no atomics.
// - grad_weight and grad_bias sum over rows for each column. Threads split the columns into
//   blocks; each walks all rows in order over its block, so memory is read row by row (linear)
//   and every column's sum runs in row order: bit-identical for any thread count.
#include <algorithm>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/functors/row_ops.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

namespace {

int64_t row_grain(int64_t n) { return std::max<int64_t>(1, kDefaultGrain / std::max<int64_t>(n, 1)); }

template <typename T>
const T* optional_data(const Tensor& t) {
  return t.defined() ? static_cast<const T*>(t.data_ptr()) : nullptr;
}

void layer_norm_kernel(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                       const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t n = x.size(1);
  NIMBUS_DISPATCH_FLOAT(x.dtype(), "layer_norm", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    T* const o = static_cast<T*>(out.data_ptr());
    const T* const px = static_cast<const T*>(x.data_ptr());
    Acc* const pm = static_cast<Acc*>(mean.data_ptr());
    Acc* const pr = static_cast<Acc*>(rstd.data_ptr());
    const T* const w = optional_data<T>(weight);
    const T* const b = optional_data<T>(bias);
    parallel_for(x.size(0), row_grain(n), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        functors::layer_norm_row(o + r * n, pm + r, pr + r, px + r * n, w, b, n, static_cast<Acc>(eps));
    });
  });
}

// Column sums over rows: grad_weight[j] = sum_r g * xhat, grad_bias[j] = sum_r g.
template <typename T, typename Acc>
void weight_bias_grads(T* gw, T* gb, const T* g, const T* x, const Acc* mean, const Acc* rstd, int64_t rows,
                       int64_t n) {
  constexpr int64_t kBlock = 256;  // columns per task: the accumulators stay in L1
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  parallel_for(blocks, std::max<int64_t>(1, kDefaultGrain / std::max<int64_t>(rows * kBlock, 1)),
               [&](int64_t begin, int64_t end) {
                 std::vector<Acc> acc_w(kBlock), acc_b(kBlock);
                 for (int64_t blk = begin; blk < end; ++blk) {
                   const int64_t j0 = blk * kBlock, width = std::min(kBlock, n - j0);
                   std::fill(acc_w.begin(), acc_w.end(), Acc(0));
                   std::fill(acc_b.begin(), acc_b.end(), Acc(0));
                   for (int64_t r = 0; r < rows; ++r) {
                     const T* gr = g + r * n + j0;
                     const T* xr = x + r * n + j0;
                     for (int64_t k = 0; k < width; ++k) {
                       const Acc gv = convert<Acc>(gr[k]);
                       acc_w[k] += gv * (convert<Acc>(xr[k]) - mean[r]) * rstd[r];
                       acc_b[k] += gv;
                     }
                   }
                   for (int64_t k = 0; k < width; ++k) {
                     if (gw) gw[j0 + k] = convert<T>(acc_w[k]);
                     if (gb) gb[j0 + k] = convert<T>(acc_b[k]);
                   }
                 }
               });
}

void layer_norm_backward_kernel(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                                const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                const Tensor& weight) {
  const int64_t rows = x.size(0), n = x.size(1);
  NIMBUS_DISPATCH_FLOAT(x.dtype(), "layer_norm_backward", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    const T* const g = static_cast<const T*>(grad_out.data_ptr());
    const T* const px = static_cast<const T*>(x.data_ptr());
    const Acc* const pm = static_cast<const Acc*>(mean.data_ptr());
    const Acc* const pr = static_cast<const Acc*>(rstd.data_ptr());
    const T* const w = optional_data<T>(weight);
    if (grad_in.defined()) {
      T* const gi = static_cast<T*>(grad_in.data_ptr());
      parallel_for(rows, row_grain(n), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
          functors::layer_norm_backward_row(gi + r * n, g + r * n, px + r * n, w, pm[r], pr[r], n);
      });
    }
    if (grad_weight.defined() || grad_bias.defined()) {
      T* const gw = grad_weight.defined() ? static_cast<T*>(grad_weight.data_ptr()) : nullptr;
      T* const gb = grad_bias.defined() ? static_cast<T*>(grad_bias.data_ptr()) : nullptr;
      weight_bias_grads<T, Acc>(gw, gb, g, px, pm, pr, rows, n);
    }
  });
}

}  // namespace

void fill_nn_norm_kernels(KernelTable& table) {
  table.layer_norm = layer_norm_kernel;
  table.layer_norm_backward = layer_norm_backward_kernel;
}

}  // namespace nimbus::cpu
