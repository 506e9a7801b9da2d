// CPU indexing kernels: index_select, gather, scatter_add, masked_select.
//
// Design
// - gather is the general loop: a strided walk over the output (Note [Strided iteration]) where
//   the input's stride along `dim` is set to 0 and the index value times that stride is added
//   instead. index_select is the same loop with its 1-d index viewed through strides (0 on every
//   dim but `dim`), so inside a run the index is constant and the run is a plain strided copy.
//   Contiguous inputs whose rows are long enough take a memcpy-per-row path: the embedding lookup.
// - scatter_add never uses atomics. Work is split over "fibres", all coordinates except `dim`:
//   two fibres never write the same output element, and each fibre adds its elements in index
//   order, so the result is bit-identical whatever the thread count.
// - masked_select cuts the elements into fixed pieces, counts the selected ones per piece,
//   prefix-sums the counts, and lets each piece write its own slice of the result: row-major
//   order with no serial pass over the data.
// Indices arrive as i64 already range-checked by the public ops (kernels/indexing.cpp).
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "runtime/convert.h"
#include "runtime/parallel.h"
#include "runtime/strided.h"

namespace nimbus::cpu {

namespace {

// Rows shorter than this go through the strided loop: a memcpy call costs more than it saves.
constexpr int64_t kMinMemcpyRowBytes = 64;

Shape without_dim(const Shape& s, int dim) {
  Shape out = s;
  out.erase(out.begin() + dim);
  return out;
}

// out[i] = in[i with coordinate `dim` replaced by index[i]]; index has out's shape, any strides.
template <typename T>
void gather_loop(const Tensor& out, const Tensor& in, int dim, const Tensor& index) {
  T* const o = static_cast<T*>(out.data_ptr());
  const T* const x = static_cast<const T*>(in.data_ptr());
  const int64_t* const ix = static_cast<const int64_t*>(index.data_ptr());
  Shape in_strides = in.strides();
  const int64_t dim_stride = in_strides[dim];
  in_strides[dim] = 0;  // the index supplies the position along dim
  const detail::StridedRuns<3> runs(out.shape(), {&out.strides(), &index.strides(), &in_strides});
  const auto [so, si, sx] = runs.inner_strides();
  parallel_for(runs.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
    runs.for_each_run(begin, end, [&](const std::array<int64_t, 3>& off, int64_t n) {
      T* po = o + off[0];
      const int64_t* pi = ix + off[1];
      const T* px = x + off[2];
      if (si == 0) {  // one index for the whole run: a strided row copy
        const T* row = px + *pi * dim_stride;
        if (so == 1 && sx == 1) {
          for (int64_t k = 0; k < n; ++k) po[k] = row[k];
        } else {
          for (int64_t k = 0; k < n; ++k) po[k * so] = row[k * sx];
        }
      } else {
        for (int64_t k = 0; k < n; ++k) po[k * so] = px[k * sx + pi[k * si] * dim_stride];
      }
    });
  });
}

void gather_kernel(const Tensor& out, const Tensor& in, int dim, const Tensor& index) {
  NIMBUS_DISPATCH(out.dtype(), "gather", [&]<typename T>() { gather_loop<T>(out, in, dim, index); });
}

// Both contiguous: out is [outer, K, inner] and in is [outer, N, inner]; copy whole rows.
void index_select_rows(const Tensor& out, const Tensor& in, int dim, const Tensor& index) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < dim; ++d) outer *= in.shape()[d];
  for (int64_t d = dim + 1; d < in.dim(); ++d) inner *= in.shape()[d];
  const int64_t n = in.shape()[dim], k_count = out.shape()[dim];
  const size_t row_bytes = static_cast<size_t>(inner) * in.element_size();
  char* const o = static_cast<char*>(out.data_ptr());
  const char* const x = static_cast<const char*>(in.data_ptr());
  const int64_t* const ix = index.data<int64_t>();
  const int64_t grain = std::max<int64_t>(1, kDefaultGrain / inner);
  parallel_for(outer * k_count, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t source_row = (r / k_count) * n + ix[r % k_count];
      std::memcpy(o + static_cast<size_t>(r) * row_bytes, x + static_cast<size_t>(source_row) * row_bytes, row_bytes);
    }
  });
}

void index_select_kernel(const Tensor& out, const Tensor& in, int dim, const Tensor& index) {
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < in.dim(); ++d) inner *= in.shape()[d];
  if (in.is_contiguous() && out.is_contiguous() && index.is_contiguous() &&
      inner * static_cast<int64_t>(in.element_size()) >= kMinMemcpyRowBytes) {
    index_select_rows(out, in, dim, index);
    return;
  }
  // The 1-d index seen with out's shape: stride 1 along dim, 0 (broadcast) elsewhere.
  Shape along(static_cast<size_t>(out.dim()), 1);
  along[dim] = index.numel();
  gather_kernel(out, in, dim, index.reshape(along).expand(out.shape()));
}

// out[fibre, index[fibre, j]] += src[fibre, j] for j in order; index and src share a shape.
template <typename T>
void scatter_add_loop(const Tensor& out, int dim, const Tensor& index, const Tensor& src) {
  using C = compute_t<T>;
  T* const o = static_cast<T*>(out.data_ptr());
  const int64_t* const ix = static_cast<const int64_t*>(index.data_ptr());
  const T* const s = static_cast<const T*>(src.data_ptr());
  const int64_t len = index.shape()[dim];
  const int64_t od = out.strides()[dim], id = index.strides()[dim], sd = src.strides()[dim];
  const Shape fibres = without_dim(index.shape(), dim);
  const Shape out_strides = without_dim(out.strides(), dim), index_strides = without_dim(index.strides(), dim),
              src_strides = without_dim(src.strides(), dim);
  const detail::StridedRuns<3> runs(fibres, {&out_strides, &index_strides, &src_strides});
  const auto [so, si, ss] = runs.inner_strides();
  const int64_t grain = std::max<int64_t>(1, kDefaultGrain / std::max<int64_t>(len, 1));
  parallel_for(runs.numel(), grain, [&](int64_t begin, int64_t end) {
    runs.for_each_run(begin, end, [&](const std::array<int64_t, 3>& off, int64_t n) {
      T* po = o + off[0];
      // j outer, fibres inner: neighbouring fibres are usually neighbours in memory. Each fibre
      // still sees its j in increasing order, which is what fixes the rounding.
      for (int64_t j = 0; j < len; ++j) {
        const int64_t* pi = ix + off[1] + j * id;
        const T* ps = s + off[2] + j * sd;
        for (int64_t k = 0; k < n; ++k) {
          T& target = po[k * so + pi[k * si] * od];
          target = convert<T>(convert<C>(target) + convert<C>(ps[k * ss]));
        }
      }
    });
  });
}

void scatter_add_kernel(const Tensor& out, int dim, const Tensor& index, const Tensor& src) {
  NIMBUS_DISPATCH(out.dtype(), "scatter_add", [&]<typename T>() { scatter_add_loop<T>(out, dim, index, src); });
}

template <typename T>
Tensor masked_select_impl(const Tensor& in, const Tensor& mask) {
  const T* const x = static_cast<const T*>(in.data_ptr());
  const bool* const m = static_cast<const bool*>(mask.data_ptr());
  const detail::StridedRuns<2> runs(in.shape(), {&in.strides(), &mask.strides()});
  const auto [sx, sm] = runs.inner_strides();
  const int64_t n = runs.numel();
  // One piece per thread at most; the same cut serves the counting and the writing pass.
  const int64_t pieces = std::clamp<int64_t>((n + kDefaultGrain - 1) / kDefaultGrain, 1, max_threads());
  const auto piece_begin = [&](int64_t p) { return n * p / pieces; };
  std::vector<int64_t> starts(static_cast<size_t>(pieces) + 1, 0);
  parallel_for(pieces, 1, [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      int64_t count = 0;
      runs.for_each_run(piece_begin(p), piece_begin(p + 1), [&](const std::array<int64_t, 2>& off, int64_t len) {
        const bool* pm = m + off[1];
        for (int64_t k = 0; k < len; ++k) count += pm[k * sm] ? 1 : 0;
      });
      starts[p + 1] = count;
    }
  });
  for (int64_t p = 0; p < pieces; ++p) starts[p + 1] += starts[p];
  Tensor out = empty({starts[pieces]}, {in.dtype(), in.device()});
  T* const o = static_cast<T*>(out.data_ptr());
  parallel_for(pieces, 1, [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      T* dst = o + starts[p];
      runs.for_each_run(piece_begin(p), piece_begin(p + 1), [&](const std::array<int64_t, 2>& off, int64_t len) {
        const T* px = x + off[0];
        const bool* pm = m + off[1];
        for (int64_t k = 0; k < len; ++k) {
          if (pm[k * sm]) *dst++ = px[k * sx];
        }
      });
    }
  });
  return out;
}

Tensor masked_select_kernel(const Tensor& in, const Tensor& mask) {
  return NIMBUS_DISPATCH(in.dtype(), "masked_select", [&]<typename T>() { return masked_select_impl<T>(in, mask); });
}

}  // namespace

void fill_indexing_kernels(KernelTable& table) {
  table.index_select = index_select_kernel;
  table.gather = gather_kernel;
  table.scatter_add = scatter_add_kernel;
  table.masked_select = masked_select_kernel;
}

}  // namespace nimbus::cpu
