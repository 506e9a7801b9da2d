#pragma once
// Note [Strided iteration]
// Elementwise work over N operands with arbitrary strides (0 for broadcast dims) walks "runs":
// stretches along the innermost dim where every operand advances by a fixed stride. Dims are
// first coalesced (adjacent dims whose strides chain for every operand merge into one; size-1
// dims vanish), so a contiguous tensor is a single run and its loop vectorizes. Kernels get each
// run as (base offsets, length, inner strides) and specialise the all-stride-1 case.
#include <array>
#include <cstdint>
#include <vector>

#include "runtime/convert.h"
#include "runtime/parallel.h"
#include "runtime/tensor.h"

namespace nimbus::detail {

template <size_t N>
class StridedRuns {
 public:
  // `strides[i]` are operand i's strides for `shape` (already broadcast: 0 on expanded dims).
  StridedRuns(const Shape& shape, const std::array<const Shape*, N>& strides) {
    numel_ = shape_numel(shape);
    // Innermost dim first.
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (shape[d] == 1) continue;
      if (!sizes_.empty()) {
        bool chains = true;
        for (size_t i = 0; i < N; ++i)
          chains = chains && (*strides[i])[d] == strides_[i].back() * sizes_.back();
        if (chains) {
          sizes_.back() *= shape[d];
          continue;
        }
      }
      sizes_.push_back(shape[d]);
      for (size_t i = 0; i < N; ++i) strides_[i].push_back((*strides[i])[d]);
    }
    if (sizes_.empty()) {  // a single element
      sizes_.push_back(1);
      for (size_t i = 0; i < N; ++i) strides_[i].push_back(0);
    }
  }

  int64_t numel() const { return numel_; }
  std::array<int64_t, N> inner_strides() const {
    std::array<int64_t, N> s{};
    for (size_t i = 0; i < N; ++i) s[i] = strides_[i][0];
    return s;
  }

  // Calls body(offsets, length) for every run covering linear elements [begin, end), where
  // offsets[i] is operand i's element offset at the start of the run.
  template <typename Body>
  void for_each_run(int64_t begin, int64_t end, const Body& body) const {
    if (begin >= end) return;
    const size_t ndim = sizes_.size();
    std::vector<int64_t> index(ndim);
    std::array<int64_t, N> offsets{};
    int64_t rest = begin;
    for (size_t d = 0; d < ndim; ++d) {
      index[d] = rest % sizes_[d];
      rest /= sizes_[d];
      for (size_t i = 0; i < N; ++i) offsets[i] += index[d] * strides_[i][d];
    }
    int64_t position = begin;
    while (position < end) {
      const int64_t length = std::min(sizes_[0] - index[0], end - position);
      body(offsets, length);
      position += length;
      // Advance the multi-index by `length` along dim 0, carrying into outer dims.
      index[0] += length;
      for (size_t i = 0; i < N; ++i) offsets[i] += length * strides_[i][0];
      for (size_t d = 0; d + 1 < ndim && index[d] == sizes_[d]; ++d) {
        index[d] = 0;
        ++index[d + 1];
        for (size_t i = 0; i < N; ++i) offsets[i] += strides_[i][d + 1] - sizes_[d] * strides_[i][d];
      }
    }
  }

 private:
  int64_t numel_ = 0;
  std::vector<int64_t> sizes_;
  std::array<std::vector<int64_t>, N> strides_;
};

// out[i] = convert<Out>(f(in[i] as compute_t<In>)) over any strides, in parallel; the stride-1 case
// is its own loop so that it vectorizes. Copies use it with an identity f; kernels with math.
template <typename In, typename Out, typename F>
void map_strided(const Tensor& out, const Tensor& in, const F& f) {
  using C = compute_t<In>;
  Out* const o = static_cast<Out*>(out.data_ptr());
  const In* const x = static_cast<const In*>(in.data_ptr());
  const StridedRuns<2> runs(out.shape(), {&out.strides(), &in.strides()});
  const auto [so, sx] = runs.inner_strides();
  parallel_for(runs.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
    runs.for_each_run(begin, end, [&](const std::array<int64_t, 2>& off, int64_t n) {
      Out* po = o + off[0];
      const In* px = x + off[1];
      if (so == 1 && sx == 1) {
        for (int64_t k = 0; k < n; ++k) po[k] = convert<Out>(f(convert<C>(px[k])));
      } else {
        for (int64_t k = 0; k < n; ++k) po[k * so] = convert<Out>(f(convert<C>(px[k * sx])));
      }
    });
  });
}

}  // namespace nimbus::detail
