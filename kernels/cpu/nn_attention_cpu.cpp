// CPU kernels of fused scaled dot-product attention, forward and backward.
//
// Note [Fused attention]
// Composed from ops, attention costs a copy of q, k and v into contiguous head batches, a pass
// over the [T, T] scores for the scale, one for the causal mask, one for softmax, a copy to merge
// the heads, and as many again backward. Here each (batch, head) pair is one task that reads q, k
// and v where they lie (BLAS takes a row stride, so heads interleaved in [B, T, H, d] need no
// copy), folds the scale into the GEMM's alpha, applies the mask inside the softmax (only the
// first i + 1 keys of row i are touched) and writes its output rows where the caller wants them.
//
// Causal attention skips the blocks above the diagonal: rows [r0, r1) of the scores only need
// keys [0, r1), and their product with v only those rows of v; backward, the gradient rows of k
// and v in [c0, c1) only see queries from c0 on. In blocks of kCausalBlock rows this leaves
// 3/4 of the GEMM work at T = 128 and tends to 1/2 for long contexts, while each GEMM stays large
// enough for BLAS to run near full speed. Masked probabilities are stored as exact zeros, so a
// product that does read them (inside a diagonal block) adds nothing.
//
// Tasks run in parallel with one BLAS thread each (OpenBLAS runs single-threaded inside an
// OpenMP region); a single task runs outside the region so BLAS uses every thread. Each task's
// arithmetic is fixed, so results do not depend on the thread count.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/cpu/blas.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/functors/row_ops.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

namespace {

constexpr int64_t kCausalBlock = 64;

// A [rows, cols] matrix of one (batch, head) pair: base pointer and row stride.
template <typename T>
struct Mat {
  T* p;
  int64_t ld;
  T* row(int64_t i) const { return p + i * ld; }
};

template <typename T>
Mat<T> head(const Tensor& t, int64_t b, int64_t h) {
  return {static_cast<T*>(t.data_ptr()) + b * t.stride(0) + h * t.stride(1), t.stride(2)};
}

// C = alpha op(A) op(B); an empty inner dimension gives zeros (BLAS may not write C then).
template <typename T>
void product(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
             int64_t ldb, T* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, T(0));
    return;
  }
  gemm<T>(ta, tb, m, n, k, alpha, a, std::max<int64_t>(lda, 1), b, std::max<int64_t>(ldb, 1), T(0), c,
          std::max<int64_t>(ldc, 1));
}

// Keys row i may attend to.
int64_t visible_keys(bool causal, int64_t i, int64_t tk) { return causal ? std::min(i + 1, tk) : tk; }

// Row blocks [r0, r1) and the keys they need; without a causal mask (or with Tq != Tk, where the
// blocks would not line up with the keys) one block covers everything.
struct Blocks {
  int64_t size, rows, keys;
  bool causal;
  int64_t count() const { return (rows + size - 1) / size; }
  int64_t begin(int64_t i) const { return i * size; }
  int64_t end(int64_t i) const { return std::min(rows, (i + 1) * size); }
  int64_t keys_of(int64_t i) const { return causal ? std::min(end(i), keys) : keys; }
};

Blocks row_blocks(bool causal, int64_t tq, int64_t tk) {
  const bool skip = causal && tq == tk;
  return {skip ? kCausalBlock : std::max<int64_t>(tq, 1), tq, tk, skip};
}

// Runs task(b, h) for every pair, in parallel over pairs (Note [Fused attention]).
template <typename Task>
void for_each_head(int64_t batches, int64_t heads, const Task& task) {
  parallel_for(batches * heads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) task(i / heads, i % heads);
  });
}

template <typename T>
void attention_forward(const Tensor& out, const Tensor& probs, const Tensor& q, const Tensor& k, const Tensor& v,
                       bool causal, T scale) {
  const int64_t tq = q.size(2), tk = k.size(2), d = q.size(3), dv = v.size(3);
  const Blocks blocks = row_blocks(causal, tq, tk);
  for_each_head(q.size(0), q.size(1), [&](int64_t b, int64_t h) {
    const Mat<T> Q = head<T>(q, b, h), K = head<T>(k, b, h), V = head<T>(v, b, h), O = head<T>(out, b, h);
    T* const P = static_cast<T*>(probs.data_ptr()) + (b * q.size(1) + h) * tq * tk;
    for (int64_t i = 0; i < blocks.count(); ++i) {
      const int64_t r0 = blocks.begin(i), r1 = blocks.end(i);
      product<T>(false, true, r1 - r0, blocks.keys_of(i), d, scale, Q.row(r0), Q.ld, K.p, K.ld, P + r0 * tk, tk);
    }
    for (int64_t r = 0; r < tq; ++r) {
      T* row = P + r * tk;
      const int64_t n = visible_keys(causal, r, tk);
      functors::softmax_row(row, row, n, 1, false);
      std::fill(row + n, row + tk, T(0));
    }
    for (int64_t i = 0; i < blocks.count(); ++i) {
      const int64_t r0 = blocks.begin(i), r1 = blocks.end(i);
      product<T>(false, false, r1 - r0, dv, blocks.keys_of(i), T(1), P + r0 * tk, tk, V.p, V.ld, O.row(r0), O.ld);
    }
  });
}

template <typename T>
void attention_backward(const Tensor& grad_q, const Tensor& grad_k, const Tensor& grad_v, const Tensor& grad_out,
                        const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& probs, bool causal, T scale) {
  const int64_t tq = q.size(2), tk = k.size(2), d = q.size(3), dv = v.size(3);
  const Blocks blocks = row_blocks(causal, tq, tk);
  for_each_head(q.size(0), q.size(1), [&](int64_t b, int64_t h) {
    const Mat<T> Q = head<T>(q, b, h), K = head<T>(k, b, h), V = head<T>(v, b, h), G = head<T>(grad_out, b, h);
    const Mat<T> GQ = head<T>(grad_q, b, h), GK = head<T>(grad_k, b, h), GV = head<T>(grad_v, b, h);
    const T* const P = static_cast<const T*>(probs.data_ptr()) + (b * q.size(1) + h) * tq * tk;
    // dS, the gradient of the scaled scores: one [Tq, Tk] scratch per task.
    std::vector<T> scratch(static_cast<size_t>(tq * tk));
    T* const dS = scratch.data();
    // dP = dO v^T, block by block (only the visible keys).
    for (int64_t i = 0; i < blocks.count(); ++i) {
      const int64_t r0 = blocks.begin(i), r1 = blocks.end(i);
      product<T>(false, true, r1 - r0, blocks.keys_of(i), dv, T(1), G.row(r0), G.ld, V.p, V.ld, dS + r0 * tk, tk);
    }
    // Softmax backward in place, times the scale: dS = scale * P (dP - <dP, P>).
    for (int64_t r = 0; r < tq; ++r) {
      T* row = dS + r * tk;
      const T* p = P + r * tk;
      const int64_t n = visible_keys(causal, r, tk);
      functors::softmax_backward_row(row, row, p, n, 1, false);
      for (int64_t j = 0; j < n; ++j) row[j] *= scale;
      std::fill(row + n, row + tk, T(0));
    }
    for (int64_t i = 0; i < blocks.count(); ++i) {
      const int64_t r0 = blocks.begin(i), r1 = blocks.end(i), keys = blocks.keys_of(i);
      // dQ rows [r0, r1) = dS[r0:r1, :keys] k[:keys].
      product<T>(false, false, r1 - r0, d, keys, T(1), dS + r0 * tk, tk, K.p, K.ld, GQ.row(r0), GQ.ld);
    }
    // Key/value rows [c0, c1) receive from queries c0.. only when causal and aligned (Tq == Tk);
    // otherwise one block spans all keys and all queries.
    const int64_t key_blocks = blocks.causal ? blocks.count() : 1;
    for (int64_t i = 0; i < key_blocks; ++i) {
      const int64_t c0 = blocks.causal ? blocks.begin(i) : 0, c1 = blocks.causal ? blocks.end(i) : tk;
      const int64_t from = blocks.causal ? c0 : 0;
      // dV rows = P[from:, c0:c1]^T dO[from:]; dK rows = dS[from:, c0:c1]^T q[from:].
      product<T>(true, false, c1 - c0, dv, tq - from, T(1), P + from * tk + c0, tk, G.row(from), G.ld, GV.row(c0),
                 GV.ld);
      product<T>(true, false, c1 - c0, d, tq - from, T(1), dS + from * tk + c0, tk, Q.row(from), Q.ld, GK.row(c0),
                 GK.ld);
    }
  });
}

void attention_kernel(const Tensor& out, const Tensor& probs, const Tensor& q, const Tensor& k, const Tensor& v,
                      bool causal, double scale) {
  switch (q.dtype()) {
    case DType::f32: return attention_forward<float>(out, probs, q, k, v, causal, static_cast<float>(scale));
    case DType::f64: return attention_forward<double>(out, probs, q, k, v, causal, scale);
    default: break;
  }
  NIMBUS_THROW(DTypeError, "scaled_dot_product_attention: the CPU kernel takes f32 or f64, got ",
               dtype_name(q.dtype()));
}

void attention_backward_kernel(const Tensor& grad_q, const Tensor& grad_k, const Tensor& grad_v,
                               const Tensor& grad_out, const Tensor& q, const Tensor& k, const Tensor& v,
                               const Tensor& probs, bool causal, double scale) {
  switch (q.dtype()) {
    case DType::f32:
      return attention_backward<float>(grad_q, grad_k, grad_v, grad_out, q, k, v, probs, causal,
                                       static_cast<float>(scale));
    case DType::f64:
      return attention_backward<double>(grad_q, grad_k, grad_v, grad_out, q, k, v, probs, causal, scale);
    default: break;
  }
  NIMBUS_THROW(DTypeError, "scaled_dot_product_attention_backward: the CPU kernel takes f32 or f64, got ",
               dtype_name(q.dtype()));
}

}  // namespace

void fill_nn_attention_kernels(KernelTable& table) {
  table.attention = attention_kernel;
  table.attention_backward = attention_backward_kernel;
}

}  // namespace nimbus::cpu
