// CPU kernels of batch norm, forward and backward (Note [Fused batch norm] in kernels/nn_batch_norm.cpp).
//
// Note [Batch norm channel sums]
// Every per-channel statistic is a sum over the N images and the S positions of a channel. x is
// seen as [N rows, C * S columns]; column j belongs to channel j / S. Threads split the columns
// into blocks of 256; each walks all rows in order over its block, accumulating one double per
// column, so memory is read row by row and the inner loop over adjacent columns vectorizes. A
// channel's sum then adds its S column sums in column order. The order of every addition is fixed
// by the shape alone: results are bit-identical for any thread count. The layout also covers both
// extremes without a second code path: [N, C] inputs (S = 1, few columns, many rows) and large
// images (S large, columns spread over many blocks).
// The elementwise passes (output, grad_input) run over the N * C segments of S elements, each with
// its channel's coefficients, spread over threads.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "runtime/parallel.h"

namespace nimbus::cpu {

namespace {

constexpr int64_t kColumnBlock = 256;  // columns per task: the accumulators stay in L1

// Per-channel sums (Note [Batch norm channel sums]) of two quantities, for x viewed as
// [rows, channels * spatial]. `term(offset, width, centre, a, b)` adds the row's contributions of
// columns [j0, j0 + width) (offset = row * cols + j0) into a[k] and b[k]; centre[k] is the
// channel value `centre` gives column j0 + k (0 without one).
template <typename Term>
void channel_sums(int64_t rows, int64_t channels, int64_t spatial, const double* centre, double* sum_a,
                  double* sum_b, const Term& term) {
  const int64_t cols = channels * spatial;
  std::vector<double> col_a(static_cast<size_t>(cols)), col_b(static_cast<size_t>(cols));
  const int64_t blocks = (cols + kColumnBlock - 1) / kColumnBlock;
  parallel_for(blocks, std::max<int64_t>(1, kDefaultGrain / std::max<int64_t>(rows * kColumnBlock, 1)),
               [&](int64_t begin, int64_t end) {
                 double ctr[kColumnBlock];
                 for (int64_t blk = begin; blk < end; ++blk) {
                   const int64_t j0 = blk * kColumnBlock, width = std::min(kColumnBlock, cols - j0);
                   for (int64_t k = 0; k < width; ++k) ctr[k] = centre ? centre[(j0 + k) / spatial] : 0.0;
                   double* a = col_a.data() + j0;
                   double* b = col_b.data() + j0;
                   std::fill(a, a + width, 0.0);
                   std::fill(b, b + width, 0.0);
                   for (int64_t r = 0; r < rows; ++r) term(r * cols + j0, width, ctr, a, b);
                 }
               });
  for (int64_t c = 0; c < channels; ++c) {
    double a = 0, b = 0;
    for (int64_t s = 0; s < spatial; ++s) {
      a += col_a[static_cast<size_t>(c * spatial + s)];
      b += col_b[static_cast<size_t>(c * spatial + s)];
    }
    sum_a[c] = a;
    sum_b[c] = b;
  }
}

// Calls body(c, offset) for every segment of S elements (channel c), segments spread over threads.
template <typename Body>
void for_each_segment(int64_t n, int64_t channels, int64_t spatial, const Body& body) {
  parallel_for(n * channels, std::max<int64_t>(1, kDefaultGrain / std::max<int64_t>(spatial, 1)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t i = begin; i < end; ++i) body(i % channels, i * spatial);
               });
}

template <typename T>
void batch_norm_typed(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& var, const Tensor& x,
                      const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                      const Tensor& running_var, bool training, double eps) {
  const int64_t n = x.size(0), channels = x.size(1), spatial = x.size(2);
  const T* const px = static_cast<const T*>(x.data_ptr());
  T* const pm = static_cast<T*>(mean.data_ptr());
  T* const pr = static_cast<T*>(rstd.data_ptr());
  std::vector<double> mean_d(static_cast<size_t>(channels)), spare(static_cast<size_t>(channels));
  if (training) {
    const double count = static_cast<double>(n * spatial);
    channel_sums(n, channels, spatial, nullptr, mean_d.data(), spare.data(),
                 [px](int64_t off, int64_t width, const double*, double* a, double*) {
                   for (int64_t k = 0; k < width; ++k) a[k] += static_cast<double>(px[off + k]);
                 });
    for (double& m : mean_d) m /= count;
    std::vector<double> sq(static_cast<size_t>(channels));
    channel_sums(n, channels, spatial, mean_d.data(), sq.data(), spare.data(),
                 [px](int64_t off, int64_t width, const double* ctr, double* a, double*) {
                   for (int64_t k = 0; k < width; ++k) {
                     const double d = static_cast<double>(px[off + k]) - ctr[k];
                     a[k] += d * d;
                   }
                 });
    T* const pv = static_cast<T*>(var.data_ptr());
    for (int64_t c = 0; c < channels; ++c) {
      const double v = sq[static_cast<size_t>(c)] / count;
      pm[c] = static_cast<T>(mean_d[static_cast<size_t>(c)]);
      pv[c] = static_cast<T>(v);
      pr[c] = static_cast<T>(1.0 / std::sqrt(v + eps));
    }
  } else {
    const T* const rm = static_cast<const T*>(running_mean.data_ptr());
    const T* const rv = static_cast<const T*>(running_var.data_ptr());
    for (int64_t c = 0; c < channels; ++c) {
      pm[c] = rm[c];
      pr[c] = static_cast<T>(1.0 / std::sqrt(static_cast<double>(rv[c]) + eps));
    }
  }
  // out = (x - mean) * (rstd * weight) + bias, with the saved (rounded) mean and rstd, so that the
  // backward sees the statistics the output was made with.
  const T* const w = static_cast<const T*>(weight.data_ptr());
  const T* const b = static_cast<const T*>(bias.data_ptr());
  std::vector<T> scale(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c)
    scale[static_cast<size_t>(c)] = static_cast<T>(static_cast<double>(pr[c]) * static_cast<double>(w[c]));
  T* const po = static_cast<T*>(out.data_ptr());
  for_each_segment(n, channels, spatial, [&](int64_t c, int64_t off) {
    const T m = pm[c], sc = scale[static_cast<size_t>(c)], sh = b[c];
    for (int64_t s = 0; s < spatial; ++s) po[off + s] = (px[off + s] - m) * sc + sh;
  });
}

template <typename T>
void batch_norm_backward_typed(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                               const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                               const Tensor& weight, bool training) {
  const int64_t n = x.size(0), channels = x.size(1), spatial = x.size(2);
  const T* const px = static_cast<const T*>(x.data_ptr());
  const T* const pg = static_cast<const T*>(grad_out.data_ptr());
  const T* const pm = static_cast<const T*>(mean.data_ptr());
  const T* const pr = static_cast<const T*>(rstd.data_ptr());
  const T* const w = static_cast<const T*>(weight.data_ptr());
  std::vector<double> mean_d(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) mean_d[static_cast<size_t>(c)] = static_cast<double>(pm[c]);
  // sum_g = sum(g), sum_gx = sum(g * (x - mean)); sum(g * xhat) = rstd * sum_gx.
  std::vector<double> sum_g(static_cast<size_t>(channels)), sum_gx(static_cast<size_t>(channels));
  channel_sums(n, channels, spatial, mean_d.data(), sum_g.data(), sum_gx.data(),
               [px, pg](int64_t off, int64_t width, const double* ctr, double* a, double* b) {
                 for (int64_t k = 0; k < width; ++k) {
                   const double g = static_cast<double>(pg[off + k]);
                   a[k] += g;
                   b[k] += g * (static_cast<double>(px[off + k]) - ctr[k]);
                 }
               });
  T* const gw = static_cast<T*>(grad_weight.data_ptr());
  T* const gb = static_cast<T*>(grad_bias.data_ptr());
  // grad_input = scale * (g - shift - (x - mean) * slope): slope and shift are 0 in evaluation.
  const double count = static_cast<double>(n * spatial);
  std::vector<T> scale(static_cast<size_t>(channels)), shift(static_cast<size_t>(channels)),
      slope(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    const size_t i = static_cast<size_t>(c);
    const double r = static_cast<double>(pr[c]);
    gb[c] = static_cast<T>(sum_g[i]);
    gw[c] = static_cast<T>(sum_gx[i] * r);
    scale[i] = static_cast<T>(static_cast<double>(w[c]) * r);
    shift[i] = training ? static_cast<T>(sum_g[i] / count) : T(0);
    slope[i] = training ? static_cast<T>(r * r * sum_gx[i] / count) : T(0);
  }
  T* const gi = static_cast<T*>(grad_in.data_ptr());
  for_each_segment(n, channels, spatial, [&](int64_t c, int64_t off) {
    const size_t i = static_cast<size_t>(c);
    const T m = pm[c], sc = scale[i], sh = shift[i], sl = slope[i];
    if (training) {
      for (int64_t s = 0; s < spatial; ++s) gi[off + s] = sc * (pg[off + s] - sh - (px[off + s] - m) * sl);
    } else {
      for (int64_t s = 0; s < spatial; ++s) gi[off + s] = sc * pg[off + s];
    }
  });
}

void batch_norm_kernel(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& var, const Tensor& x,
                       const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, bool training, double eps) {
  if (x.dtype() == DType::f64)
    batch_norm_typed<double>(out, mean, rstd, var, x, weight, bias, running_mean, running_var, training, eps);
  else
    batch_norm_typed<float>(out, mean, rstd, var, x, weight, bias, running_mean, running_var, training, eps);
}

void batch_norm_backward_kernel(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                                const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                const Tensor& weight, bool training, double /*eps: the saved rstd has it*/) {
  if (x.dtype() == DType::f64)
    batch_norm_backward_typed<double>(grad_in, grad_weight, grad_bias, grad_out, x, mean, rstd, weight, training);
  else
    batch_norm_backward_typed<float>(grad_in, grad_weight, grad_bias, grad_out, x, mean, rstd, weight, training);
}

}  // namespace

void fill_nn_batch_norm_kernels(KernelTable& table) {
  table.batch_norm = batch_norm_kernel;
  table.batch_norm_backward = batch_norm_backward_kernel;
}

}  // namespace nimbus::cpu
