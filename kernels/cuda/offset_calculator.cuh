#pragma once
// Note [CUDA strided indexing]
// A CUDA kernel sees N operands of one shape with arbitrary element strides (0 on broadcast dims).
// The host coalesces the dims exactly as the CPU's StridedRuns does (size-1 dims vanish; adjacent
// dims whose strides chain for every operand merge), innermost first, and passes the result by
// value. Each thread turns its linear index into N element offsets by repeated division. When the
// coalesced shape is a single dim, `linear()` says so and the launchers use a multiply per operand
// instead (and, for dense or broadcast-scalar operands, 16-byte vector loads: elementwise_loops.cuh). 64-bit indices throughout: correctness first; a
// 32-bit fast-divmod variant is a later optimisation once it can be measured.
#include <array>
#include <cstdint>

#include "runtime/error.h"
#include "runtime/macros.h"
#include "runtime/tensor.h"

namespace nimbus::cuda {

constexpr int kMaxDims = 12;  // after coalescing; more is refused with a clear error

template <int N>
struct OffsetCalculator {
  int ndim = 0;
  int64_t size[kMaxDims] = {};
  int64_t stride[N][kMaxDims] = {};

  OffsetCalculator() = default;
  // `strides[i]` are operand i's strides over `shape`.
  OffsetCalculator(const Shape& shape, const std::array<const Shape*, N>& strides) {
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (shape[d] == 1) continue;
      if (ndim > 0) {
        bool chains = true;
        for (int i = 0; i < N; ++i)
          chains = chains && (*strides[i])[d] == stride[i][ndim - 1] * size[ndim - 1];
        if (chains) {
          size[ndim - 1] *= shape[d];
          continue;
        }
      }
      NIMBUS_CHECK_T(ShapeError, ndim < kMaxDims, "cuda: a tensor of shape ", shape_str(shape),
                     " has more than ", kMaxDims, " dims after merging contiguous ones");
      size[ndim] = shape[d];
      for (int i = 0; i < N; ++i) stride[i][ndim] = (*strides[i])[d];
      ++ndim;
    }
  }

  // One dim (or none) after merging: operand i's element k sits at k * linear_stride(i). Covers
  // dense operands (1), broadcast scalars (0) and evenly strided views.
  bool linear() const { return ndim <= 1; }
  int64_t linear_stride(int i) const { return ndim == 0 ? 0 : stride[i][0]; }

  NIMBUS_INLINE std::array<int64_t, N> get(int64_t linear) const {
    std::array<int64_t, N> off{};
    if (ndim == 0) return off;
    // The outermost dim needs no division (what is left of the index is its coordinate): a
    // 64-bit division costs tens of instructions, and 1-d walks (a reduction over a flat range,
    // a broadcast scalar) then do none.
    for (int d = 0; d < ndim - 1; ++d) {
      const int64_t q = linear / size[d];
      const int64_t r = linear - q * size[d];
      for (int i = 0; i < N; ++i) off[i] += r * stride[i][d];
      linear = q;
    }
    for (int i = 0; i < N; ++i) off[i] += linear * stride[i][ndim - 1];
    return off;
  }
};

}  // namespace nimbus::cuda
