#include "kernels/op_utils.h"

#include <algorithm>

namespace nimbus::detail {

Device common_device(const char* op, std::initializer_list<const Tensor*> tensors) {
  Device device;
  bool first = true;
  for (const Tensor* t : tensors) {
    NIMBUS_CHECK(t->defined(), op, ": undefined tensor argument");
    if (first) {
      device = t->device();
      first = false;
    } else {
      NIMBUS_CHECK_T(DeviceError, t->device() == device, op, ": expected all tensors on one device, got ", device,
                     " and ", t->device());
    }
  }
  return device;
}

std::vector<int> reduction_dims(const std::vector<int64_t>& dims, int64_t ndim, const char* op) {
  std::vector<int> out;
  if (dims.empty()) {
    for (int d = 0; d < ndim; ++d) out.push_back(d);
    return out;
  }
  for (int64_t d : dims) out.push_back(normalize_dim(d, ndim, op));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (ndim == 0) out.clear();  // a 0-d tensor accepts dim 0 / -1 and has nothing to reduce
  return out;
}

Shape reduced_shape(const Shape& shape, const std::vector<int>& dims, bool keepdim) {
  Shape out;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    const bool reduced = std::find(dims.begin(), dims.end(), d) != dims.end();
    if (!reduced) out.push_back(shape[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

}  // namespace nimbus::detail
