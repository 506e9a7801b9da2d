// Tensor factories: empty, constants, ranges, identity, host data.
#include <cmath>
#include <cstring>

#include "runtime/convert.h"
#include "runtime/parallel.h"
#include "runtime/tensor.h"

namespace nimbus {

namespace {
void check_shape(const Shape& shape, const char* op) {
  for (int64_t s : shape)
    NIMBUS_CHECK_T(ShapeError, s >= 0, op, ": negative size ", s, " in shape ", shape_str(shape));
}
}  // namespace

Tensor empty(const Shape& shape, TensorOptions options) {
  check_shape(shape, "empty");
  const int64_t n = shape_numel(shape);
  Buffer buffer = Buffer::allocate(static_cast<size_t>(n) * dtype_size(options.dtype), options.device);
  return Tensor(std::move(buffer), options.dtype, shape, contiguous_strides(shape), 0);
}

Tensor empty_strided(const Shape& shape, const Shape& strides, TensorOptions options) {
  check_shape(shape, "empty_strided");
  NIMBUS_CHECK_T(ShapeError, shape.size() == strides.size(), "empty_strided: shape ", shape_str(shape),
                 " and strides ", shape_str(strides), " differ in length");
  int64_t extent = shape_numel(shape) == 0 ? 0 : 1;
  for (size_t d = 0; d < shape.size() && extent; ++d) {
    NIMBUS_CHECK_T(ShapeError, strides[d] >= 0, "empty_strided: negative stride in ", shape_str(strides));
    extent += (shape[d] - 1) * strides[d];
  }
  Buffer buffer = Buffer::allocate(static_cast<size_t>(extent) * dtype_size(options.dtype), options.device);
  return Tensor(std::move(buffer), options.dtype, shape, strides, 0);
}

Tensor empty_like(const Tensor& t) { return empty(t.shape(), {t.dtype(), t.device()}); }

Tensor full(const Shape& shape, Scalar value, TensorOptions options) {
  Tensor t = empty(shape, options);
  t.fill_(value);
  return t;
}
Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1, options); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), {t.dtype(), t.device()}); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), {t.dtype(), t.device()}); }

Tensor scalar_tensor(Scalar value, TensorOptions options) { return full({}, value, options); }

Tensor from_host(const void* data, DType dtype, const Shape& shape, Device device) {
  Tensor host = empty(shape, {dtype, Device::cpu()});
  const size_t bytes = static_cast<size_t>(host.numel()) * dtype_size(dtype);
  if (bytes) std::memcpy(host.data_ptr(), data, bytes);
  return host.to(device);
}

namespace {
// Fills a contiguous CPU tensor with value(i) for element i.
template <typename ValueOf>
Tensor generate(const Shape& shape, TensorOptions options, const char* op, const ValueOf& value_of) {
  Tensor host = empty(shape, {options.dtype, Device::cpu()});
  NIMBUS_DISPATCH(options.dtype, op, [&]<typename T>() {
    T* out = static_cast<T*>(host.data_ptr());
    parallel_for(host.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = convert<T>(value_of(i));
    });
  });
  return host.to(options.device);
}
}  // namespace

Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options) {
  const bool floating = start.is_floating() || end.is_floating() || step.is_floating();
  if (floating) {
    const double a = start.to_double(), b = end.to_double(), s = step.to_double();
    NIMBUS_CHECK_T(ShapeError, s != 0 && std::isfinite(a) && std::isfinite(b) && std::isfinite(s),
                   "arange: invalid range start=", a, " end=", b, " step=", s);
    const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((b - a) / s)));
    return generate({n}, options, "arange", [&](int64_t i) { return a + s * static_cast<double>(i); });
  }
  const int64_t a = start.to_int(), b = end.to_int(), s = step.to_int();
  NIMBUS_CHECK_T(ShapeError, s != 0, "arange: step must not be zero");
  const int64_t n = s > 0 ? std::max<int64_t>(0, (b - a + s - 1) / s) : std::max<int64_t>(0, (a - b - s - 1) / -s);
  if (!options.dtype_given) options.dtype = DType::i64;  // integer arguments: an integer range
  return generate({n}, options, "arange", [&](int64_t i) { return a + s * i; });
}

Tensor arange(Scalar end, TensorOptions options) { return arange(0, end, 1, options); }

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  NIMBUS_CHECK_T(ShapeError, steps >= 0, "linspace: steps must be non-negative, got ", steps);
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  // Fill from both ends so that the last value is exactly `end`, as NumPy does.
  return generate({steps}, options, "linspace", [&](int64_t i) {
    return i < steps / 2 ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - 1 - i);
  });
}

Tensor eye(int64_t n, int64_t m, TensorOptions options) {
  if (m < 0) m = n;
  NIMBUS_CHECK_T(ShapeError, n >= 0, "eye: n must be non-negative, got ", n);
  return generate({n, m}, options, "eye", [&](int64_t i) { return i / m == i % m ? 1 : 0; });
}

}  // namespace nimbus
