// Element copies between tensors: strided, broadcasting, converting dtypes, across devices.
// This is data movement, not math; the kernels library builds its ops on the same strided loop.
#include <cstring>

#include "runtime/backend.h"
#include "runtime/convert.h"
#include "runtime/parallel.h"
#include "runtime/strided.h"
#include "runtime/tensor.h"

namespace nimbus {

namespace {

// Conversion happens in map_strided; the element function itself passes values through.
struct Identity {
  template <typename C>
  C operator()(C value) const {
    return value;
  }
};

void copy_on_cpu(const Tensor& dst, const Tensor& src) {
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous() && src.shape() == dst.shape()) {
    const size_t bytes = dst.numel() * dst.element_size();
    if (bytes) std::memcpy(dst.data_ptr(), src.data_ptr(), bytes);
    return;
  }
  NIMBUS_DISPATCH(dst.dtype(), "copy", [&]<typename To>() {
    NIMBUS_DISPATCH(src.dtype(), "copy", [&]<typename From>() { detail::map_strided<From, To>(dst, src, Identity{}); });
  });
}

}  // namespace

void Tensor::copy_(const Tensor& src, bool non_blocking) const {
  NIMBUS_CHECK(defined() && src.defined(), "copy_: undefined tensor");
  buffer_.bump_version();
  const Tensor source = src.shape() == shape_ ? src : src.expand(shape_);
  if (device().is_cpu() && source.device().is_cpu()) return copy_on_cpu(*this, source);
  if (device() == source.device()) {
    if (const DeviceElementCopy copy = device_element_copy(device().type)) return copy(*this, source);
  }
  // Across devices: dense bytes of one dtype move; conversions, strides and broadcasts are
  // settled first on whichever side can do them (the CPU always can; a device once its kernels
  // registered an element copy).
  const bool source_can_reshape = source.device().is_cpu() || device_element_copy(source.device().type) != nullptr;
  const bool dest_can_reshape = device().is_cpu() || device_element_copy(device().type) != nullptr;
  Tensor dense = source;
  if (dense.dtype() != dtype_ && source_can_reshape) dense = dense.to(dtype_);
  if ((!dense.is_contiguous() || dense.shape() != shape_) && source_can_reshape) dense = dense.contiguous();
  if (!is_contiguous() && dest_can_reshape && dense.device() != device()) {
    Tensor staged = empty(shape_, {dtype_, device()});
    staged.copy_(dense);
    copy_(staged);
    return;
  }
  NIMBUS_CHECK_T(DeviceError, dtype_ == dense.dtype() && is_contiguous(), "copy_: copying ", source.dtype(),
                 " on ", source.device(), " into ", dtype_, " on ", device(),
                 " needs a contiguous destination of the same dtype (no element-copy kernel is registered for ",
                 source.device().is_cpu() ? device() : source.device(), ")");
  NIMBUS_CHECK_T(DeviceError, dense.is_contiguous() && dense.shape() == shape_, "copy_: a strided copy on ",
                 dense.device(), " is not supported (no element-copy kernel is registered)");
  const bool to_device = !device().is_cpu(), from_device = !dense.device().is_cpu();
  const Device on = to_device ? device() : dense.device();
  const Stream stream = current_stream(on);
  backend_for(on).copy_bytes(data_ptr(), to_device, dense.data_ptr(), from_device, numel() * element_size(),
                             stream);
  if (on.is_cpu()) return;
  // The host side of a copy between a GPU and the host, if there is one.
  const Buffer* host = !to_device ? &buffer_ : !from_device ? &dense.buffer() : nullptr;
  if (non_blocking && host != nullptr && host->pinned()) {
    host->record_stream(stream);  // its block waits for the copy before it can be reused
    return;
  }
  stream.synchronize();  // the host memory may be read, changed or freed right after
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape_, {dtype_, device()});
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(Device target, bool non_blocking) const {
  if (target == device()) return *this;
  Tensor out = empty(shape_, {dtype_, target});
  out.copy_(contiguous(), non_blocking);
  return out;
}

Tensor Tensor::pin_memory() const {
  NIMBUS_CHECK_T(DeviceError, device().is_cpu(), "pin_memory: the tensor is on ", device(),
                 "; only host memory can be pinned");
  if (is_pinned() && is_contiguous()) return *this;
  const Shape strides = contiguous_strides(shape_);
  Tensor out(Buffer::allocate_pinned(static_cast<size_t>(numel()) * element_size()), dtype_, shape_, strides, 0);
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype_) return *this;
  Tensor out = empty(shape_, {target, device()});
  out.copy_(*this);
  return out;
}

void Tensor::fill_(Scalar value) const {
  buffer_.bump_version();
  NIMBUS_DISPATCH(dtype_, "fill", [&]<typename T>() {
    const T v = value.is_floating() ? convert<T>(value.to_double()) : convert<T>(value.to_int());
    if (device().is_cpu()) {
      const Tensor source = from_host(&v, dtype_, {}, Device::cpu());
      copy_on_cpu(*this, source.expand(shape_));
    } else {
      copy_(from_host(&v, dtype_, {}, Device::cpu()).expand(shape_).contiguous());
    }
  });
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  const Tensor host = to(Device::cpu());
  Tensor out = empty(shape_, {dtype_v<T>, Device::cpu()});
  out.copy_(host);
  const T* p = static_cast<const T*>(out.data_ptr());
  return std::vector<T>(p, p + numel());
}

template <typename T>
T Tensor::item() const {
  NIMBUS_CHECK_T(ShapeError, numel() == 1, "item: expected one element, tensor has shape ", shape_str(shape_));
  return to_vector<T>()[0];
}

#define NIMBUS_INSTANTIATE_READS(T) \
  template NIMBUS_API std::vector<T> Tensor::to_vector<T>() const; \
  template NIMBUS_API T Tensor::item<T>() const;
NIMBUS_INSTANTIATE_READS(float)
NIMBUS_INSTANTIATE_READS(double)
NIMBUS_INSTANTIATE_READS(Half)
NIMBUS_INSTANTIATE_READS(BFloat16)
NIMBUS_INSTANTIATE_READS(int32_t)
NIMBUS_INSTANTIATE_READS(int64_t)
NIMBUS_INSTANTIATE_READS(uint8_t)
NIMBUS_INSTANTIATE_READS(bool)  // vector<bool> packs bits; it is built from the byte array
#undef NIMBUS_INSTANTIATE_READS

}  // namespace nimbus
