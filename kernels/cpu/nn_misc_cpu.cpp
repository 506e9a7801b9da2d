// CPU kernels of BCE with logits, embedding backward and dropout.
//
// Design
// - BCE with logits is elementwise over four operands with broadcast strides (Note [Strided
//   iteration]); the math is the single-source functor of kernels/functors/row_ops.h.
// - embedding_backward must add many grad rows into few weight rows without atomics. It buckets
//   the positions by index (a counting sort: count, prefix-sum, fill in position order), then
//   threads split the weight rows; each row adds its grad rows in position order. Every weight
//   row is owned by one thread and summed in one fixed order: deterministic for any thread count.
// - dropout draws element i's uniform from Philox word i % 4 of block i / 4 for (seed, call), as
//   rand() does (Note [Random streams]), so the mask depends only on the seed and call number.
#include <algorithm>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/functors/row_ops.h"
#include "runtime/parallel.h"
#include "runtime/philox.h"
#include "runtime/strided.h"

namespace nimbus::cpu {

namespace {

// out[i] = f(x[i], y[i], pw[i]) over any strides.
template <typename T, typename F>
void ternary_loop(const Tensor& out, const Tensor& x, const Tensor& y, const Tensor& pw, const F& f) {
  using C = compute_t<T>;
  T* const o = static_cast<T*>(out.data_ptr());
  const T* const px0 = static_cast<const T*>(x.data_ptr());
  const T* const py0 = static_cast<const T*>(y.data_ptr());
  const T* const pw0 = static_cast<const T*>(pw.data_ptr());
  const detail::StridedRuns<4> runs(out.shape(), {&out.strides(), &x.strides(), &y.strides(), &pw.strides()});
  const auto [so, sx, sy, sw] = runs.inner_strides();
  parallel_for(runs.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
    runs.for_each_run(begin, end, [&](const std::array<int64_t, 4>& off, int64_t n) {
      T* po = o + off[0];
      const T *px = px0 + off[1], *py = py0 + off[2], *pp = pw0 + off[3];
      for (int64_t k = 0; k < n; ++k)
        po[k * so] = convert<T>(f(convert<C>(px[k * sx]), convert<C>(py[k * sy]), convert<C>(pp[k * sw])));
    });
  });
}

void bce_kernel(const Tensor& out, const Tensor& x, const Tensor& y, const Tensor& pos_weight) {
  NIMBUS_DISPATCH_FLOAT(x.dtype(), "binary_cross_entropy_with_logits", [&]<typename T>() {
    ternary_loop<T>(out, x, y, pos_weight, functors::BceWithLogits{});
  });
}

// grad_x = grad * dloss/dx: the derivative through the same loop, then a multiply in place. The
// public op passes the compute dtype (f32 for f16/bf16), so nothing is rounded in between.
void bce_backward_kernel(const Tensor& grad_x, const Tensor& grad, const Tensor& x, const Tensor& y,
                         const Tensor& pos_weight) {
  NIMBUS_DISPATCH_FLOAT(x.dtype(), "binary_cross_entropy_with_logits_backward", [&]<typename T>() {
    using C = compute_t<T>;
    ternary_loop<T>(grad_x, x, y, pos_weight, functors::BceWithLogitsGrad{});
    ternary_loop<T>(grad_x, grad_x, grad, grad, [](C d, C g, C) { return d * g; });
  });
}

void embedding_backward_kernel(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& indices,
                               int64_t padding_idx) {
  const int64_t rows = grad_weight.size(0), dim = grad_weight.size(1), n = indices.numel();
  const int64_t* const ix = static_cast<const int64_t*>(indices.data_ptr());
  // Positions bucketed by index, each bucket in position order (a stable counting sort).
  std::vector<int64_t> start(static_cast<size_t>(rows) + 1, 0), order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) ++start[static_cast<size_t>(ix[i]) + 1];
  for (int64_t r = 0; r < rows; ++r) start[r + 1] += start[r];
  std::vector<int64_t> fill(start.begin(), start.end() - 1);
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(fill[static_cast<size_t>(ix[i])]++)] = i;
  NIMBUS_DISPATCH_FLOAT(grad_weight.dtype(), "embedding_backward", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    T* const gw = static_cast<T*>(grad_weight.data_ptr());
    const T* const g = static_cast<const T*>(grad_out.data_ptr());
    // Work per weight row is about dim * (n / rows) additions.
    const int64_t per_row = dim * std::max<int64_t>(1, n / std::max<int64_t>(rows, 1));
    const int64_t grain = std::max<int64_t>(1, kDefaultGrain / std::max<int64_t>(per_row, 1));
    parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
      std::vector<Acc> acc(static_cast<size_t>(dim));
      for (int64_t r = begin; r < end; ++r) {
        std::fill(acc.begin(), acc.end(), Acc(0));
        if (r != padding_idx) {
          for (int64_t p = start[r]; p < start[r + 1]; ++p) {
            const T* src = g + order[static_cast<size_t>(p)] * dim;
            for (int64_t k = 0; k < dim; ++k) acc[k] += convert<Acc>(src[k]);
          }
        }
        for (int64_t k = 0; k < dim; ++k) gw[r * dim + k] = convert<T>(acc[k]);
      }
    });
  });
}

void dropout_kernel(const Tensor& out, const Tensor& mask, const Tensor& in, double p, double scale, uint64_t seed,
                    uint64_t call) {
  NIMBUS_DISPATCH_FLOAT(in.dtype(), "dropout", [&]<typename T>() {
    using C = compute_t<T>;
    T* const o = static_cast<T*>(out.data_ptr());
    bool* const m = static_cast<bool*>(mask.data_ptr());
    const T* const x = static_cast<const T*>(in.data_ptr());
    const C s = static_cast<C>(scale);
    const int64_t n = in.numel(), blocks = (n + 3) / 4;
    parallel_for(blocks, 4096, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const PhiloxBlock words = philox_block(seed, call, static_cast<uint64_t>(b));
        for (int64_t lane = 0; lane < 4 && b * 4 + lane < n; ++lane) {
          const int64_t i = b * 4 + lane;
          const bool keep = static_cast<double>(uniform_float(words.v[lane])) >= p;
          m[i] = keep;
          // x * mask * scale as PyTorch computes it: a dropped nan or inf stays nan.
          o[i] = convert<T>(convert<C>(x[i]) * (keep ? s : C(0)));
        }
      }
    });
  });
}

}  // namespace

void fill_nn_misc_kernels(KernelTable& table) {
  table.bce_with_logits = bce_kernel;
  table.bce_with_logits_backward = bce_backward_kernel;
  table.embedding_backward = embedding_backward_kernel;
  table.dropout = dropout_kernel;
}

}  // namespace nimbus::cpu
