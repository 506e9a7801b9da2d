// CUDA scaled dot-product attention, forward and backward (the table's `attention` entries; the
// CPU twin and the math are in kernels/cpu/nn_attention_cpu.cpp, Note [Fused attention]).
//
// Each product is a cuBLAS strided-batched GEMM that reads q, k and v where they lie (a head of a
// [B, T, H, d] tensor is a matrix with row stride H * d, so no copy merges or splits heads) and
// writes the outputs in the caller's layout. The (batch, head) pairs become GEMM batches: one
// launch for all pairs when every operand's batch and head strides chain, otherwise the larger of
// the two dims is batched and the smaller looped over. Between the products, one block per row
// applies the scale, the causal mask (key j is visible to query i when j <= i, as on the CPU) and
// the softmax, or its backward; masked probabilities are stored as exact zeros, so the products
// that follow may read them. Every sum has a fixed order: results are the same run to run.
//
// Scores are computed for every key, masked ones included: a causal block skip as on the CPU
// would save up to half the GEMM work at long contexts, and is left for a flash-style kernel.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cuda/cublas_gemm.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/functors/fast_exp.h"

namespace nimbus::cuda {

namespace {

constexpr int kRowThreads = 128;

// ---- the row kernels ----

// Combines one value per thread into one for the block, in a fixed tree; every thread gets it.
template <typename Acc, typename Combine>
__device__ Acc block_all_reduce(Acc v, Combine combine) {
  __shared__ Acc buf[kRowThreads];
  buf[threadIdx.x] = v;
  __syncthreads();
  for (int w = kRowThreads / 2; w > 0; w /= 2) {
    if (static_cast<int>(threadIdx.x) < w) buf[threadIdx.x] = combine(buf[threadIdx.x], buf[threadIdx.x + w]);
    __syncthreads();
  }
  const Acc result = buf[0];
  __syncthreads();  // buf is written again by the next reduction
  return result;
}

struct MaxKeepNan {
  template <typename A>
  __device__ A operator()(A a, A b) const {
    if (a != a) return a;
    if (b != b) return b;
    return b > a ? b : a;
  }
};
struct Plus {
  template <typename A>
  __device__ A operator()(A a, A b) const { return a + b; }
};

__device__ inline int64_t visible_keys(bool causal, int64_t i, int64_t tk) {
  return causal ? (i + 1 < tk ? i + 1 : tk) : tk;
}

// p (rows of tk scores, row r is query r % tq) becomes softmax(scale * p) over the visible keys,
// zero elsewhere.
template <typename T>
__global__ void masked_softmax_rows(T* p, int64_t rows, int64_t tq, int64_t tk, bool causal, T scale) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    T* x = p + row * tk;
    const int64_t n = visible_keys(causal, row % tq, tk);
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t j = threadIdx.x; j < n; j += kRowThreads) m = MaxKeepNan{}(m, scale * x[j]);
    m = block_all_reduce(m, MaxKeepNan{});
    T sum = 0;
    for (int64_t j = threadIdx.x; j < n; j += kRowThreads) sum += functors::row_exp<T>(scale * x[j] - m);
    sum = block_all_reduce(sum, Plus{});
    const T inv = T(1) / sum;
    for (int64_t j = threadIdx.x; j < tk; j += kRowThreads)
      x[j] = j < n ? functors::row_exp<T>(scale * x[j] - m) * inv : T(0);
  }
}

// ds (rows of dP = dO v^T) becomes scale * P (dP - <dP, P>) over the visible keys, zero elsewhere.
template <typename T>
__global__ void masked_softmax_backward_rows(T* ds, const T* probs, int64_t rows, int64_t tq, int64_t tk, bool causal,
                                             T scale) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    T* g = ds + row * tk;
    const T* y = probs + row * tk;
    const int64_t n = visible_keys(causal, row % tq, tk);
    T dot = 0;
    for (int64_t j = threadIdx.x; j < n; j += kRowThreads) dot += g[j] * y[j];
    dot = block_all_reduce(dot, Plus{});
    for (int64_t j = threadIdx.x; j < tk; j += kRowThreads) g[j] = j < n ? scale * (y[j] * (g[j] - dot)) : T(0);
  }
}

// ---- the (batch, head) pairs as GEMM batches ----

// How the B x H pairs map to launches: `launches` GEMM calls of `batches` each; pair (l, i) of a
// tensor starts at l * outer(t) + i * inner(t).
struct Pairs {
  int64_t launches, batches;
  int batched_dim;  // 0 or 1: the dim whose stride steps between batches; -1: both dims merged
  int64_t inner(const Tensor& t) const { return batched_dim < 0 ? t.stride(1) : t.stride(batched_dim); }
  int64_t outer(const Tensor& t) const { return batched_dim == 0 ? t.stride(1) : t.stride(0); }
};

Pairs pairs_of(std::initializer_list<const Tensor*> operands) {
  const Tensor& first = **operands.begin();
  const int64_t b = first.size(0), h = first.size(1);
  if (h == 1) return {1, b, 0};
  if (b == 1) return {1, h, 1};
  bool merge = true;
  for (const Tensor* t : operands) merge = merge && t->stride(0) == h * t->stride(1);
  if (merge) return {1, b * h, -1};
  return b >= h ? Pairs{h, b, 0} : Pairs{b, h, 1};
}

template <typename T>
T* at(const Tensor& t, int64_t offset) {
  return static_cast<T*>(t.data_ptr()) + offset;
}

// The head's row stride as a leading dimension: a single row may carry any stride, but cuBLAS
// wants at least the row length there.
int64_t leading_dim(const Tensor& t) { return t.size(2) == 1 ? std::max<int64_t>(t.size(3), 1) : t.stride(2); }

// A [rows, cols] matrix operand of pair batch `l`.
template <typename T>
GemmOperand operand(const Tensor& t, const Pairs& pairs, int64_t l, bool transposed) {
  return {at<T>(t, l * pairs.outer(t)), leading_dim(t), pairs.inner(t), transposed};
}

template <typename T>
void gemm_pairs(const Pairs& pairs, int64_t m, int64_t n, int64_t k, const Tensor& a, bool ta, const Tensor& b,
                bool tb, const Tensor& c) {
  const DType dtype = c.dtype();
  for (int64_t l = 0; l < pairs.launches; ++l)
    row_major_gemm(c.device(), dtype, dtype, pairs.batches, m, n, k, operand<T>(a, pairs, l, ta),
                   operand<T>(b, pairs, l, tb), at<T>(c, l * pairs.outer(c)), leading_dim(c), pairs.inner(c),
                   /*accumulate=*/false, "scaled_dot_product_attention");
}

template <typename T>
void zero(const Tensor& t) {
  NIMBUS_CUDA_CHECK(cudaMemsetAsync(t.data_ptr(), 0, static_cast<size_t>(t.numel()) * sizeof(T),
                                    current_cuda_stream(t.device())));
}

template <typename T>
void forward(const Tensor& out, const Tensor& probs, const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
             T scale) {
  const int64_t tq = q.size(2), tk = k.size(2), d = q.size(3), dv = v.size(3);
  const int64_t rows = q.size(0) * q.size(1) * tq;
  if (rows == 0 || tk == 0) return;
  const Pairs pairs = pairs_of({&q, &k, &v, &out, &probs});
  if (d > 0) gemm_pairs<T>(pairs, tq, tk, d, q, false, k, true, probs);  // raw scores q k^T
  else zero<T>(probs);                                                   // empty dot products
  masked_softmax_rows<T><<<blocks_for(rows, 1), kRowThreads, 0, current_cuda_stream(q.device())>>>(
      at<T>(probs, 0), rows, tq, tk, causal, scale);
  NIMBUS_CUDA_CHECK_LAUNCH();
  if (dv > 0) gemm_pairs<T>(pairs, tq, dv, tk, probs, false, v, false, out);
}

template <typename T>
void backward(const Tensor& grad_q, const Tensor& grad_k, const Tensor& grad_v, const Tensor& grad_out,
              const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& probs, bool causal, T scale) {
  const int64_t tq = q.size(2), tk = k.size(2), d = q.size(3), dv = v.size(3);
  const int64_t rows = q.size(0) * q.size(1) * tq;
  const Pairs pairs = pairs_of({&q, &k, &v, &grad_out, &probs, &grad_q, &grad_k, &grad_v});
  // dS, the gradient of the scaled scores, laid out like probs.
  const Tensor ds = empty(probs.shape(), {probs.dtype(), probs.device()});
  if (dv > 0) {
    gemm_pairs<T>(pairs, tk, dv, tq, probs, true, grad_out, false, grad_v);  // dV = P^T dO
    gemm_pairs<T>(pairs, tq, tk, dv, grad_out, false, v, true, ds);          // dP = dO v^T
  } else {
    zero<T>(ds);
  }
  masked_softmax_backward_rows<T><<<blocks_for(rows, 1), kRowThreads, 0, current_cuda_stream(q.device())>>>(
      at<T>(ds, 0), at<T>(probs, 0), rows, tq, tk, causal, scale);
  NIMBUS_CUDA_CHECK_LAUNCH();
  if (d > 0) {
    gemm_pairs<T>(pairs, tq, d, tk, ds, false, k, false, grad_q);  // dQ = dS k
    gemm_pairs<T>(pairs, tk, d, tq, ds, true, q, false, grad_k);   // dK = dS^T q
  }
}

void attention_kernel(const Tensor& out, const Tensor& probs, const Tensor& q, const Tensor& k, const Tensor& v,
                      bool causal, double scale) {
  DeviceScope scope(q.device().index);
  switch (q.dtype()) {
    case DType::f32: return forward<float>(out, probs, q, k, v, causal, static_cast<float>(scale));
    case DType::f64: return forward<double>(out, probs, q, k, v, causal, scale);
    default: NIMBUS_THROW(DTypeError, "scaled_dot_product_attention: cuda kernel takes f32 or f64, got ",
                          dtype_name(q.dtype()));
  }
}

void attention_backward_kernel(const Tensor& grad_q, const Tensor& grad_k, const Tensor& grad_v,
                               const Tensor& grad_out, const Tensor& q, const Tensor& k, const Tensor& v,
                               const Tensor& probs, bool causal, double scale) {
  DeviceScope scope(q.device().index);
  switch (q.dtype()) {
    case DType::f32:
      return backward<float>(grad_q, grad_k, grad_v, grad_out, q, k, v, probs, causal, static_cast<float>(scale));
    case DType::f64: return backward<double>(grad_q, grad_k, grad_v, grad_out, q, k, v, probs, causal, scale);
    default: NIMBUS_THROW(DTypeError, "scaled_dot_product_attention_backward: cuda kernel takes f32 or f64, got ",
                          dtype_name(q.dtype()));
  }
}

}  // namespace

void fill_attention_kernels(KernelTable& table) {
  table.attention = attention_kernel;
  table.attention_backward = attention_backward_kernel;
}

}  // namespace nimbus::cuda
