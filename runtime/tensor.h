#pragma once
// Tensor: a strided view of a Buffer (buffer, dtype, shape, strides, offset).
//
// Strides and the offset count elements, not bytes. Views (reshape of contiguous data, permute,
// slice, expand...) share the buffer; `contiguous()`, `clone()`, `to()` copy. Expanded dims have
// stride 0, so a broadcast costs no memory. A default-constructed Tensor is "undefined".
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "runtime/buffer.h"
#include "runtime/dtype.h"
#include "runtime/error.h"
#include "runtime/scalar.h"

namespace nimbus {

using Shape = std::vector<int64_t>;

NIMBUS_API int64_t shape_numel(const Shape& shape);
NIMBUS_API Shape contiguous_strides(const Shape& shape);
NIMBUS_API std::string shape_str(const Shape& shape);  // "[2, 3]"
// Wraps a possibly negative dim into [0, ndim); throws ShapeError naming `op` when out of range.
NIMBUS_API int normalize_dim(int64_t dim, int64_t ndim, const char* op);
// NumPy broadcasting of two shapes; throws ShapeError naming `op` and both shapes.
NIMBUS_API Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

struct TensorOptions {
  DType dtype = kDefaultFloat;
  Device device = Device::cpu();
  bool dtype_given = false;  // lets arange() pick i64 for integer arguments when no dtype is named
  TensorOptions() = default;
  TensorOptions(DType t) : dtype(t), dtype_given(true) {}  // NOLINT: `zeros({2}, DType::i64)` reads well
  TensorOptions(Device d) : device(d) {}                    // NOLINT
  TensorOptions(DType t, Device d) : dtype(t), device(d), dtype_given(true) {}
};

class NIMBUS_API Tensor {
 public:
  Tensor() = default;
  Tensor(Buffer buffer, DType dtype, Shape shape, Shape strides, int64_t offset);

  bool defined() const { return buffer_.defined(); }
  DType dtype() const { return dtype_; }
  Device device() const { return buffer_.device(); }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const;
  int64_t stride(int64_t d) const;
  int64_t numel() const { return shape_numel(shape_); }
  int64_t offset() const { return offset_; }
  size_t element_size() const { return dtype_size(dtype_); }
  const Buffer& buffer() const { return buffer_; }
  bool is_contiguous() const;
  // Whether another tensor views the same buffer.
  bool shares_buffer(const Tensor& other) const { return buffer_.data() == other.buffer_.data() && buffer_.data(); }

  // Address of element [0,...,0].
  void* data_ptr() const;
  // Typed address; throws DTypeError when T does not match dtype().
  template <typename T>
  T* data() const {
    NIMBUS_CHECK_T(DTypeError, dtype_v<T> == dtype_, "Tensor::data: tensor is ", dtype_name(dtype_),
                   ", accessed as ", dtype_name(dtype_v<T>));
    return static_cast<T*>(data_ptr());
  }

  // ---- views (no copy) ----
  Tensor view(const Shape& shape) const;      // needs compatible strides; -1 infers one dim
  Tensor reshape(const Shape& shape) const;   // a view when possible, else a contiguous copy
  Tensor flatten() const { return reshape({-1}); }
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;                           // 2-D transpose
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;  // Python rules
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;  // removes `dim`
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor expand(const Shape& shape) const;    // -1 keeps a dim; new leading dims allowed
  Tensor broadcast_to(const Shape& shape) const { return expand(shape); }

  // ---- copies ----
  Tensor contiguous() const;  // itself when already contiguous
  Tensor clone() const;
  // Itself when already there. `non_blocking`: see copy_.
  Tensor to(Device device, bool non_blocking = false) const;
  Tensor to(DType dtype) const;  // itself when already that dtype
  // A contiguous copy in page-locked host memory (Note [Pinned host memory]); itself when it is
  // one already. Needs a CUDA device. Copies between it and a GPU may be asynchronous.
  Tensor pin_memory() const;
  bool is_pinned() const { return buffer_.pinned(); }
  // In-place writes (copy_, fill_) bump the buffer's version (Buffer::version).
  // Copies `src` (broadcast to this shape, converted to this dtype) into this tensor's elements.
  // A copy between a GPU and host memory returns when it is done, unless `non_blocking` is set
  // and the host side is pinned: then it is only queued on the GPU's current stream, as in
  // PyTorch. The host must not read a pinned destination, or change a pinned source, before that
  // stream has reached the copy (synchronize it, or wait for an event recorded after the copy);
  // the pinned block itself is never reused before the copy has finished.
  void copy_(const Tensor& src, bool non_blocking = false) const;
  void fill_(Scalar value) const;

  // ---- reading values ----
  template <typename T>
  T item() const;  // the single element converted to T; throws unless numel() == 1
  template <typename T>
  std::vector<T> to_vector() const;  // all elements in row-major order, converted to T
  std::string str() const;           // the printed form

 private:
  Buffer buffer_;
  DType dtype_ = kDefaultFloat;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;
};

NIMBUS_API std::ostream& operator<<(std::ostream& out, const Tensor& t);

// ---- factories ----
NIMBUS_API Tensor empty(const Shape& shape, TensorOptions options = {});
NIMBUS_API Tensor empty_strided(const Shape& shape, const Shape& strides, TensorOptions options = {});
NIMBUS_API Tensor empty_like(const Tensor& t);
NIMBUS_API Tensor zeros(const Shape& shape, TensorOptions options = {});
NIMBUS_API Tensor ones(const Shape& shape, TensorOptions options = {});
NIMBUS_API Tensor full(const Shape& shape, Scalar value, TensorOptions options = {});
NIMBUS_API Tensor zeros_like(const Tensor& t);
NIMBUS_API Tensor ones_like(const Tensor& t);
// Values start, start+step, ... below end (above end for negative steps).
NIMBUS_API Tensor arange(Scalar start, Scalar end, Scalar step = 1, TensorOptions options = {});
NIMBUS_API Tensor arange(Scalar end, TensorOptions options = {});
// `steps` evenly spaced values from start to end inclusive.
NIMBUS_API Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
NIMBUS_API Tensor eye(int64_t n, int64_t m = -1, TensorOptions options = {});
// A tensor holding a copy of host values (row-major), 1-d, or of `shape` (`{}` is 0-d).
template <typename T>
Tensor from_vector(const std::vector<T>& values, Shape shape, Device device = Device::cpu());
template <typename T>
Tensor from_vector(const std::vector<T>& values, Device device = Device::cpu()) {
  return from_vector(values, Shape{static_cast<int64_t>(values.size())}, device);
}
NIMBUS_API Tensor from_host(const void* data, DType dtype, const Shape& shape, Device device = Device::cpu());
NIMBUS_API Tensor scalar_tensor(Scalar value, TensorOptions options = {});

template <typename T>
Tensor from_vector(const std::vector<T>& values, Shape shape, Device device) {
  NIMBUS_CHECK_T(ShapeError, shape_numel(shape) == static_cast<int64_t>(values.size()), "from_vector: ",
                 values.size(), " values do not fill shape ", shape_str(shape));
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(values.begin(), values.end());
    return from_host(bytes.data(), DType::boolean, shape, device);
  } else {
    return from_host(values.data(), dtype_v<T>, shape, device);
  }
}

}  // namespace nimbus
