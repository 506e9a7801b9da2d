#pragma once
// Shared pieces of the CPU reduction kernels (reduction_cpu.cpp, arg_reduce_cpu.cpp, scan_cpu.cpp):
// dim lists with their strides, an odometer that walks them, and the kernel entry points that
// fill_reduction_kernels installs.
//
// Dims are kept innermost first. Size-1 dims are dropped and neighbours whose strides chain for
// every operand are merged (as Note [Strided iteration] does for elementwise loops), so that a
// contiguous block of dims becomes one dim and the fast paths can recognise it by a single test.
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "runtime/tensor.h"

namespace nimbus::cpu {

void arg_reduce_kernel(bool is_max, const Tensor& out, const Tensor& in, int dim);
void cumsum_kernel(const Tensor& out, const Tensor& in, int dim);

// Elements per fixed piece of a long reduction or scan. Pieces depend only on the shape, never on
// the thread count, so partial results combine in the same order whatever the parallelism.
inline constexpr int64_t kChunk = 32768;
// Columns per task where threads split a contiguous innermost dim (column reductions and scans).
inline constexpr int64_t kColumns = 4096;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A list of dims (innermost first) with one stride per operand.
template <size_t N>
struct Dims {
  std::vector<int64_t> size;
  std::array<std::vector<int64_t>, N> stride;

  size_t ndim() const { return size.size(); }
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : size) n *= s;
    return n;
  }
  void push(int64_t sz, const std::array<int64_t, N>& st) {
    size.push_back(sz);
    for (size_t i = 0; i < N; ++i) stride[i].push_back(st[i]);
  }
  // The same list without its innermost dim.
  Dims outer() const {
    Dims d;
    d.size.assign(size.begin() + 1, size.end());
    for (size_t i = 0; i < N; ++i) d.stride[i].assign(stride[i].begin() + 1, stride[i].end());
    return d;
  }
};

// The dims `order` (outermost first) of a tensor with `shape`, for operands with `strides`,
// innermost first, size-1 dims dropped and chaining neighbours merged.
template <size_t N>
Dims<N> coalesce(const Shape& shape, const std::array<const Shape*, N>& strides, const std::vector<int>& order) {
  Dims<N> d;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const int64_t sz = shape[*it];
    if (sz == 1) continue;
    std::array<int64_t, N> st{};
    for (size_t i = 0; i < N; ++i) st[i] = (*strides[i])[*it];
    if (!d.size.empty()) {
      bool chains = true;
      for (size_t i = 0; i < N; ++i) chains = chains && st[i] == d.stride[i].back() * d.size.back();
      if (chains) {
        d.size.back() *= sz;
        continue;
      }
    }
    d.push(sz, st);
  }
  return d;
}

// Walks the positions of a Dims list in row-major order (innermost fastest), tracking each
// operand's element offset. seek() jumps to any linear position; next() advances by one.
template <size_t N>
class Odometer {
 public:
  explicit Odometer(const Dims<N>& dims) : dims_(dims), index_(dims.ndim(), 0) {}

  void seek(int64_t linear) {
    offset_.fill(0);
    for (size_t d = 0; d < dims_.ndim(); ++d) {
      index_[d] = linear % dims_.size[d];
      linear /= dims_.size[d];
      for (size_t i = 0; i < N; ++i) offset_[i] += index_[d] * dims_.stride[i][d];
    }
  }
  void next() {
    for (size_t d = 0; d < dims_.ndim(); ++d) {
      for (size_t i = 0; i < N; ++i) offset_[i] += dims_.stride[i][d];
      if (++index_[d] < dims_.size[d]) return;
      for (size_t i = 0; i < N; ++i) offset_[i] -= dims_.size[d] * dims_.stride[i][d];
      index_[d] = 0;
    }
  }
  int64_t offset(size_t operand = 0) const { return offset_[operand]; }

 private:
  const Dims<N>& dims_;
  std::vector<int64_t> index_;
  std::array<int64_t, N> offset_{};
};

// The dims of `in` other than `dim`, for in and out (same shape), coalesced: the "lines" of a
// scan or an arg-reduction along `dim`.
inline Dims<2> lines_of(const Tensor& out, const Tensor& in, int dim) {
  std::vector<int> order;
  for (int d = 0; d < static_cast<int>(in.dim()); ++d)
    if (d != dim) order.push_back(d);
  return coalesce<2>(in.shape(), {&in.strides(), &out.strides()}, order);
}

}  // namespace nimbus::cpu
