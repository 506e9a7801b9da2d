// CPU GEMM: f32/f64 through BLAS (OpenBLAS, OpenMP build, loaded on first use: kernels/cpu/blas.cpp), f16/bf16 through f32 BLAS, integers
// through Eigen (BLAS has no integer GEMM).
//
// Operand layouts: Note [GEMM layouts] in kernels/gemm_layout.h. Batches run one BLAS call each;
// many small products run in parallel over the batch (OpenBLAS then uses one thread per call, as it
// does inside any OpenMP parallel region).
#include <Eigen/Core>
#include <optional>

#include "kernels/cpu/blas.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/gemm_layout.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

namespace {

// Makes each matrix of a [B, R, C] operand BLAS-compatible (copying when needed).
Tensor blas_ready(const Tensor& t) {
  if (blas_layout(t.size(1), t.size(2), t.stride(1), t.stride(2))) return t;
  return t.contiguous();
}

template <typename T>
void blas_batched(const Tensor& out, const Tensor& a_in, const Tensor& w_in, bool accumulate) {
  const Tensor a = blas_ready(a_in), w = blas_ready(w_in);
  const int64_t batches = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
  const auto la = *blas_layout(m, k, a.stride(1), a.stride(2));
  const auto lw = *blas_layout(k, n, w.stride(1), w.stride(2));
  const T* pa = static_cast<const T*>(a.data_ptr());
  const T* pw = static_cast<const T*>(w.data_ptr());
  T* po = static_cast<T*>(out.data_ptr());
  auto one = [&](int64_t i) {
    gemm<T>(la.transposed, lw.transposed, m, n, k, T(1), pa + i * a.stride(0), la.ld, pw + i * w.stride(0), lw.ld,
            accumulate ? T(1) : T(0), po + i * m * n, std::max<int64_t>(n, 1));
  };
  // Small products: one per thread; large ones: BLAS threads each product.
  if (batches > 1 && m * n * k < (int64_t{1} << 18)) {
    parallel_for(batches, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) one(i);
    });
  } else {
    for (int64_t i = 0; i < batches; ++i) one(i);
  }
}

template <typename T>
void eigen_batched(const Tensor& out, const Tensor& a, const Tensor& w, bool accumulate) {
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Strides = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
  const int64_t batches = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
  for (int64_t i = 0; i < batches; ++i) {
    Eigen::Map<const Matrix, 0, Strides> ma(static_cast<const T*>(a.data_ptr()) + i * a.stride(0), m, k,
                                            Strides(a.stride(1), a.stride(2)));
    Eigen::Map<const Matrix, 0, Strides> mw(static_cast<const T*>(w.data_ptr()) + i * w.stride(0), k, n,
                                            Strides(w.stride(1), w.stride(2)));
    Eigen::Map<Matrix> mo(static_cast<T*>(out.data_ptr()) + i * m * n, m, n);
    if (accumulate) mo.noalias() += ma * mw;
    else mo.noalias() = ma * mw;
  }
}

}  // namespace

void batched_gemm_kernel(const Tensor& out, const Tensor& a, const Tensor& w, bool accumulate) {
  if (out.numel() == 0) return;
  if (a.size(2) == 0) {  // empty inner dimension: the sum over nothing is zero
    if (!accumulate) out.fill_(0);
    return;
  }
  switch (out.dtype()) {
    case DType::f32: return blas_batched<float>(out, a, w, accumulate);
    case DType::f64: return blas_batched<double>(out, a, w, accumulate);
    case DType::f16:
    case DType::bf16: {
      // Compute in f32 (Note [16-bit conversions]): convert operands, multiply, round once.
      Tensor out32 = accumulate ? out.to(DType::f32) : empty(out.shape(), DType::f32);
      blas_batched<float>(out32, a.to(DType::f32), w.to(DType::f32), accumulate);
      out.copy_(out32);
      return;
    }
    case DType::i32: return eigen_batched<int32_t>(out, a, w, accumulate);
    case DType::i64: return eigen_batched<int64_t>(out, a, w, accumulate);
    default: break;
  }
  NIMBUS_THROW(DTypeError, "matmul: unsupported dtype ", dtype_name(out.dtype()));
}

}  // namespace nimbus::cpu
