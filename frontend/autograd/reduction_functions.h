#pragma once
// Differentiable reductions and scans: the kernels of kernels/ops.h recorded on the tape
// (Note [Autograd tape]). `dims` empty means all dims; negative dims count from the end; with
// `keepdim` the reduced dims stay as size 1. Gradients come back in the input's shape and dtype.
// Where a derivative does not exist (ties, zero norms, zero deviations) the gradient is PyTorch's.
#include <cstdint>
#include <vector>

#include "frontend/autograd/variable.h"

namespace nimbus::autograd {

// Largest (smallest) value over `dims`. Tied extremes share the gradient equally: each of k tied
// elements gets grad / k, as PyTorch's amax/amin (not max/min, which pick one index).
NIMBUS_API Variable amax(const Variable& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
NIMBUS_API Variable amin(const Variable& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);

// Variance over `dims` with divisor N - correction (Bessel's correction by default), and its square
// root. The gradient of std is 0 where std is 0 (the subgradient PyTorch picks).
NIMBUS_API Variable var(const Variable& x, const std::vector<int64_t>& dims = {}, int64_t correction = 1,
                        bool keepdim = false);
NIMBUS_API Variable std(const Variable& x, const std::vector<int64_t>& dims = {}, int64_t correction = 1,
                        bool keepdim = false);

// p-norm over `dims` for any p the kernel takes (0, 1, 2, +-infinity, other reals). Where the norm is
// 0 the gradient is 0; p = +-infinity splits the gradient among tied magnitudes like amax.
NIMBUS_API Variable norm(const Variable& x, double p = 2.0, const std::vector<int64_t>& dims = {},
                         bool keepdim = false);

// Running sum along `dim`; its gradient is the running sum of the gradient taken from the end.
NIMBUS_API Variable cumsum(const Variable& x, int64_t dim);

}  // namespace nimbus::autograd
