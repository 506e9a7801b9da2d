#pragma once
// Differentiable views, joins and indexing: the gradient of a view scatters back into the input's
// shape; joins split the gradient; gathers add it back at the indices (index tensors get none).
#include <vector>

#include "frontend/autograd/variable.h"

namespace nimbus::autograd {

NIMBUS_API Variable slice(const Variable& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
NIMBUS_API Variable narrow(const Variable& x, int64_t dim, int64_t start, int64_t length);
NIMBUS_API Variable select(const Variable& x, int64_t dim, int64_t index);
NIMBUS_API Variable permute(const Variable& x, const std::vector<int64_t>& dims);
NIMBUS_API Variable unsqueeze(const Variable& x, int64_t dim);
NIMBUS_API Variable squeeze(const Variable& x, int64_t dim);
NIMBUS_API Variable expand(const Variable& x, const Shape& shape);
NIMBUS_API Variable cat(const std::vector<Variable>& xs, int64_t dim = 0);
NIMBUS_API Variable stack(const std::vector<Variable>& xs, int64_t dim = 0);
NIMBUS_API Variable index_select(const Variable& x, int64_t dim, const Tensor& index);
NIMBUS_API Variable gather(const Variable& x, int64_t dim, const Tensor& index);

}  // namespace nimbus::autograd
