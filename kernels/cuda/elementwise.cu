// CUDA elementwise kernels: unary, binary (arithmetic, activation backward, comparisons, logic),
// where, and the strided device copy the other kernels use. The op/dtype matrix is the CPU's
// (kernels/cpu/elementwise_cpu.cpp) and every value goes through the same functor
// (kernels/functors/), so the GPU computes what the CPU computes; the loops differ only in how
// elements are assigned to threads (Note [CUDA strided indexing]).
#include <type_traits>

#include "kernels/cuda/elementwise_loops.cuh"
#include "kernels/functors/binary.h"

namespace nimbus::cuda {

namespace {

template <typename T>
constexpr bool kFloating = std::is_floating_point_v<compute_t<T>>;

struct Identity {
  template <typename C> NIMBUS_INLINE C operator()(C x) const { return x; }
};

void unary_kernel(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryArgs& args) {
  NIMBUS_DISPATCH(in.dtype(), "unary", [&]<typename T>() {
    using C = compute_t<T>;
    namespace f = functors;
    if constexpr (kFloating<T>) {
      switch (op) {
        case UnaryOp::exp: return unary_loop<T, T>(out, in, f::Exp{});
        case UnaryOp::log: return unary_loop<T, T>(out, in, f::Log{});
        case UnaryOp::sqrt: return unary_loop<T, T>(out, in, f::Sqrt{});
        case UnaryOp::rsqrt: return unary_loop<T, T>(out, in, f::Rsqrt{});
        case UnaryOp::sin: return unary_loop<T, T>(out, in, f::Sin{});
        case UnaryOp::cos: return unary_loop<T, T>(out, in, f::Cos{});
        case UnaryOp::tanh: return unary_loop<T, T>(out, in, f::Tanh{});
        case UnaryOp::sigmoid: return unary_loop<T, T>(out, in, f::Sigmoid{});
        case UnaryOp::gelu_erf: return unary_loop<T, T>(out, in, f::GeluErf{});
        case UnaryOp::gelu_tanh: return unary_loop<T, T>(out, in, f::GeluTanh{});
        case UnaryOp::silu: return unary_loop<T, T>(out, in, f::Silu{});
        case UnaryOp::erf: return unary_loop<T, T>(out, in, f::Erf{});
        default: break;
      }
    }
    switch (op) {
      case UnaryOp::neg: return unary_loop<T, T>(out, in, f::Neg{});
      case UnaryOp::abs: return unary_loop<T, T>(out, in, f::Abs{});
      case UnaryOp::relu: return unary_loop<T, T>(out, in, f::Relu{});
      case UnaryOp::logical_not: return unary_loop<T, bool>(out, in, f::LogicalNot{});
      case UnaryOp::clamp:
        return unary_loop<T, T>(out, in, f::Clamp<C>{static_cast<C>(args.min), static_cast<C>(args.max),
                                                      args.has_min, args.has_max});
      default: break;
    }
    NIMBUS_THROW(DTypeError, "unary op ", static_cast<int>(op), " is not defined for ", dtype_name(in.dtype()));
  });
}

void binary_kernel(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  NIMBUS_DISPATCH(a.dtype(), "binary", [&]<typename T>() {
    namespace f = functors;
    switch (op) {
      case BinaryOp::add: return binary_loop<T, T>(out, a, b, f::Add{});
      case BinaryOp::mul: return binary_loop<T, T>(out, a, b, f::Mul{});
      case BinaryOp::maximum: return binary_loop<T, T>(out, a, b, f::Maximum{});
      case BinaryOp::minimum: return binary_loop<T, T>(out, a, b, f::Minimum{});
      case BinaryOp::eq: return binary_loop<T, bool>(out, a, b, f::Eq{});
      case BinaryOp::ne: return binary_loop<T, bool>(out, a, b, f::Ne{});
      case BinaryOp::lt: return binary_loop<T, bool>(out, a, b, f::Lt{});
      case BinaryOp::le: return binary_loop<T, bool>(out, a, b, f::Le{});
      case BinaryOp::gt: return binary_loop<T, bool>(out, a, b, f::Gt{});
      case BinaryOp::ge: return binary_loop<T, bool>(out, a, b, f::Ge{});
      case BinaryOp::logical_and: return binary_loop<T, bool>(out, a, b, f::LogicalAnd{});
      case BinaryOp::logical_or: return binary_loop<T, bool>(out, a, b, f::LogicalOr{});
      case BinaryOp::logical_xor: return binary_loop<T, bool>(out, a, b, f::LogicalXor{});
      default: break;
    }
    if constexpr (!std::is_same_v<T, bool>) {
      switch (op) {
        case BinaryOp::sub: return binary_loop<T, T>(out, a, b, f::Sub{});
        case BinaryOp::pow: return binary_loop<T, T>(out, a, b, f::Pow{});
        case BinaryOp::relu_backward: return binary_loop<T, T>(out, a, b, f::ReluBackward{});
        default: break;
      }
    }
    if constexpr (kFloating<T>) {
      switch (op) {
        case BinaryOp::div: return binary_loop<T, T>(out, a, b, f::Div{});
        case BinaryOp::sigmoid_backward: return binary_loop<T, T>(out, a, b, f::SigmoidBackward{});
        case BinaryOp::tanh_backward: return binary_loop<T, T>(out, a, b, f::TanhBackward{});
        case BinaryOp::silu_backward: return binary_loop<T, T>(out, a, b, f::SiluBackward{});
        case BinaryOp::gelu_erf_backward: return binary_loop<T, T>(out, a, b, f::GeluErfBackward{});
        case BinaryOp::gelu_tanh_backward: return binary_loop<T, T>(out, a, b, f::GeluTanhBackward{});
        default: break;
      }
    }
    NIMBUS_THROW(DTypeError, "binary op ", static_cast<int>(op), " is not defined for ", dtype_name(a.dtype()));
  });
}

template <typename T>
struct WhereApply {
  T* out;
  const bool* cond;
  const T* a;
  const T* b;
  __device__ void operator()(const std::array<int64_t, 4>& off) const {
    out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]];
  }
};

void where_kernel(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  NIMBUS_DISPATCH(out.dtype(), "where", [&]<typename T>() {
    const WhereApply<T> apply{static_cast<T*>(out.data_ptr()), static_cast<const bool*>(cond.data_ptr()),
                              static_cast<const T*>(a.data_ptr()), static_cast<const T*>(b.data_ptr())};
    launch_elementwise<4>({&out, &cond, &a, &b}, apply);
  });
}

// Moves the stored value unchanged: 16-bit types are copied as their bits (no round trip through
// float, so NaN payloads survive).
template <typename T>
struct CopyApply {
  T* out;
  const T* in;
  __device__ void operator()(const std::array<int64_t, 2>& off) const { out[off[0]] = in[off[1]]; }
};

}  // namespace

void element_copy(const Tensor& dst, const Tensor& src) {
  if (dst.dtype() == src.dtype()) {
    NIMBUS_DISPATCH(dst.dtype(), "copy", [&]<typename T>() {
      const CopyApply<T> apply{static_cast<T*>(dst.data_ptr()), static_cast<const T*>(src.data_ptr())};
      launch_elementwise<2>({&dst, &src}, apply);
    });
    return;
  }
  // Converting: through the source's compute type, as the CPU's copy does (runtime/convert.h).
  NIMBUS_DISPATCH(src.dtype(), "copy", [&]<typename From>() {
    NIMBUS_DISPATCH(dst.dtype(), "copy", [&]<typename To>() { unary_loop<From, To>(dst, src, Identity{}); });
  });
}

Tensor contiguous_on_device(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = empty(t.shape(), {t.dtype(), t.device()});
  NIMBUS_DISPATCH(t.dtype(), "copy", [&]<typename T>() {
    const CopyApply<T> apply{static_cast<T*>(out.data_ptr()), static_cast<const T*>(t.data_ptr())};
    launch_elementwise<2>({&out, &t}, apply);
  });
  return out;
}

void fill_elementwise_kernels(KernelTable& table) {
  table.unary = unary_kernel;
  table.binary = binary_kernel;
  table.where = where_kernel;
}

}  // namespace nimbus::cuda
