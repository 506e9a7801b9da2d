// CPU kernels of softmax, log_softmax and cross-entropy, forward and backward.
//
// Design
// - The public ops (kernels/nn_softmax.cpp, kernels/nn_loss.cpp) hand over contiguous tensors
//   seen as [outer, n, inner]: a row is n elements at stride `inner`, and there are outer * inner
//   rows. Softmax over the last dim (inner = 1) is the common case and walks memory linearly.
// - Each row is computed by the single-source row functions of kernels/functors/row_ops.h, in
//   element order, and rows are spread over threads with parallel_for: no row is shared, so there
//   are no atomics and the result is bit-identical for any thread count.
// - Cross-entropy writes one loss per row (0 where the target is ignore_index); the public op
//   reduces them with sum() (fixed-order) so that mean and sum need no kernel of their own.
#include <algorithm>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/functors/row_ops.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

namespace {

// Rows per parallel piece: about kDefaultGrain elements of work.
int64_t row_grain(int64_t n) { return std::max<int64_t>(1, kDefaultGrain / std::max<int64_t>(n, 1)); }

// Calls body(row base offset) for every row of an [outer, n, inner] contiguous layout.
template <typename Body>
void for_each_row(int64_t outer, int64_t n, int64_t inner, const Body& body) {
  parallel_for(outer * inner, row_grain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) body((r / inner) * n * inner + r % inner);
  });
}

void softmax_kernel(bool log, const Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner) {
  NIMBUS_DISPATCH_FLOAT(in.dtype(), log ? "log_softmax" : "softmax", [&]<typename T>() {
    T* const o = static_cast<T*>(out.data_ptr());
    const T* const x = static_cast<const T*>(in.data_ptr());
    for_each_row(outer, n, inner, [&](int64_t base) { functors::softmax_row(o + base, x + base, n, inner, log); });
  });
}

void softmax_backward_kernel(bool log, const Tensor& grad_in, const Tensor& grad_out, const Tensor& out,
                             int64_t outer, int64_t n, int64_t inner) {
  NIMBUS_DISPATCH_FLOAT(out.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&]<typename T>() {
    T* const gi = static_cast<T*>(grad_in.data_ptr());
    const T* const g = static_cast<const T*>(grad_out.data_ptr());
    const T* const y = static_cast<const T*>(out.data_ptr());
    for_each_row(outer, n, inner, [&](int64_t base) {
      functors::softmax_backward_row(gi + base, g + base, y + base, n, inner, log);
    });
  });
}

void cross_entropy_kernel(const Tensor& loss, const Tensor& logits, const Tensor& target, int64_t ignore_index,
                          double label_smoothing) {
  const int64_t N = logits.size(0), C = logits.size(1), inner = logits.size(2);
  NIMBUS_DISPATCH_FLOAT(logits.dtype(), "cross_entropy", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    Acc* const l = static_cast<Acc*>(loss.data_ptr());
    const T* const z = static_cast<const T*>(logits.data_ptr());
    const int64_t* const t = static_cast<const int64_t*>(target.data_ptr());
    parallel_for(N * inner, row_grain(C), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t base = (r / inner) * C * inner + r % inner;
        l[r] = t[r] == ignore_index
                   ? Acc(0)
                   : functors::cross_entropy_row(z + base, C, inner, t[r], static_cast<Acc>(label_smoothing));
      }
    });
  });
}

void cross_entropy_backward_kernel(const Tensor& grad_logits, const Tensor& logits, const Tensor& target,
                                   const Tensor& scale, int64_t ignore_index, double label_smoothing) {
  const int64_t N = logits.size(0), C = logits.size(1), inner = logits.size(2);
  const int64_t s0 = scale.stride(0), s1 = scale.stride(1);
  NIMBUS_DISPATCH_FLOAT(logits.dtype(), "cross_entropy_backward", [&]<typename T>() {
    using Acc = functors::acc_t<T>;
    T* const gz = static_cast<T*>(grad_logits.data_ptr());
    const T* const z = static_cast<const T*>(logits.data_ptr());
    const int64_t* const t = static_cast<const int64_t*>(target.data_ptr());
    const Acc* const sc = static_cast<const Acc*>(scale.data_ptr());
    parallel_for(N * inner, row_grain(C), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t i = r / inner, j = r % inner, base = i * C * inner + j;
        if (t[r] == ignore_index) {
          for (int64_t c = 0; c < C; ++c) gz[base + c * inner] = convert<T>(Acc(0));
        } else {
          functors::cross_entropy_backward_row(gz + base, z + base, C, inner, t[r], static_cast<Acc>(label_smoothing),
                                               sc[i * s0 + j * s1]);
        }
      }
    });
  });
}

}  // namespace

void fill_nn_softmax_kernels(KernelTable& table) {
  table.softmax = softmax_kernel;
  table.softmax_backward = softmax_backward_kernel;
  table.cross_entropy = cross_entropy_kernel;
  table.cross_entropy_backward = cross_entropy_backward_kernel;
}

}  // namespace nimbus::cpu
