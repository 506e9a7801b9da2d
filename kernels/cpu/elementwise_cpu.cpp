// CPU elementwise kernels: unary, binary and where, over every dtype.
#include <type_traits>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/elementwise_loops.h"
#include "kernels/functors/binary.h"

namespace nimbus::cpu {

namespace {
template <typename T>
constexpr bool kFloating = std::is_floating_point_v<compute_t<T>>;
}  // namespace

void unary_kernel(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryArgs& args) {
  NIMBUS_DISPATCH(in.dtype(), "unary", [&]<typename T>() {
    using C = compute_t<T>;
    namespace f = functors;
    if constexpr (kFloating<T>) {
      // Math functions: the op layer has already promoted integer inputs to float.
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
    // Arithmetic that bool does not have (the op layer rejects it with a clearer message).
    if constexpr (!std::is_same_v<T, bool>) {
      switch (op) {
        case BinaryOp::sub: return binary_loop<T, T>(out, a, b, f::Sub{});
        case BinaryOp::pow: return binary_loop<T, T>(out, a, b, f::Pow{});
        case BinaryOp::relu_backward: return binary_loop<T, T>(out, a, b, f::ReluBackward{});
        default: break;
      }
    }
    // Math that the op layer has already promoted to a floating dtype.
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

void where_kernel(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  NIMBUS_DISPATCH(out.dtype(), "where", [&]<typename T>() {
    T* const o = static_cast<T*>(out.data_ptr());
    const bool* const pc0 = static_cast<const bool*>(cond.data_ptr());
    const T* const pa0 = static_cast<const T*>(a.data_ptr());
    const T* const pb0 = static_cast<const T*>(b.data_ptr());
    const detail::StridedRuns<4> runs(out.shape(), {&out.strides(), &cond.strides(), &a.strides(), &b.strides()});
    const auto [so, sc, sa, sb] = runs.inner_strides();
    parallel_for(runs.numel(), kDefaultGrain, [&](int64_t begin, int64_t end) {
      runs.for_each_run(begin, end, [&](const std::array<int64_t, 4>& off, int64_t n) {
        T* po = o + off[0];
        const bool* pc = pc0 + off[1];
        const T* pa = pa0 + off[2];
        const T* pb = pb0 + off[3];
        for (int64_t k = 0; k < n; ++k) po[k * so] = pc[k * sc] ? pa[k * sa] : pb[k * sb];
      });
    });
  });
}

}  // namespace nimbus::cpu
