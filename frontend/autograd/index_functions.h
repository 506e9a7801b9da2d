#pragma once
// Differentiable scatters and masked selection (the index-style ops of kernels/ops.h; gathers and
// index_select are in shape_functions.h). Index tensors and masks are plain tensors: no gradient
// flows to them.
#include <cstdint>

#include "frontend/autograd/variable.h"

namespace nimbus::autograd {

// x with src added at `index` along `dim` (out of place), as the kernel: index, src and x have the
// same number of dims; only the leading part of src that index covers takes part. Gradients: x gets
// the output's gradient unchanged; src gets it gathered at `index` (0 where index does not reach).
NIMBUS_API Variable scatter_add(const Variable& x, int64_t dim, const Tensor& index, const Variable& src);

// The elements of x where the bool `mask` is true, as a 1-d tensor in row-major order; x and mask
// broadcast together first. The gradient is zero except at the selected positions, summed back to
// x's shape where x was broadcast.
NIMBUS_API Variable masked_select(const Variable& x, const Tensor& mask);

}  // namespace nimbus::autograd
