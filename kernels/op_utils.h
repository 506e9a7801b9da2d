#pragma once
// Checks shared by the public ops (kernels/*.cpp): defined operands, one device, dim lists.
#include <initializer_list>
#include <vector>

#include "runtime/tensor.h"

namespace nimbus::detail {

// Throws naming `op` unless every tensor is defined and all live on one device; returns it.
Device common_device(const char* op, std::initializer_list<const Tensor*> tensors);

// Normalizes, sorts and de-duplicates `dims` for an ndim-d tensor; empty means all dims.
std::vector<int> reduction_dims(const std::vector<int64_t>& dims, int64_t ndim, const char* op);

// `shape` with `dims` set to 1 (keepdim) or removed.
Shape reduced_shape(const Shape& shape, const std::vector<int>& dims, bool keepdim);

}  // namespace nimbus::detail
