#pragma once
// Which functor computes each UnaryOp and BinaryOp, for storage type T: the one table both the CPU
// loops (kernels/cpu/elementwise_cpu.cpp) and the CUDA loops (kernels/cuda/elementwise.cu) run,
// so the two backends cannot disagree about an op. `run` is called as
// run.template operator()<Out>(functor) with the result's storage type (T, or bool for
// comparisons and logic); each backend passes its own loop. Returns false when the op is not
// defined for T (the caller raises the error; the op layer normally rejects such calls first).
#include <type_traits>

#include "kernels/dispatch.h"
#include "kernels/functors/binary.h"

namespace nimbus {

template <typename T>
inline constexpr bool kFloatingCompute = std::is_floating_point_v<compute_t<T>>;

template <typename T, typename Run>
bool with_unary_functor(UnaryOp op, const UnaryArgs& args, Run&& run) {
  using C = compute_t<T>;
  namespace f = functors;
  if constexpr (kFloatingCompute<T>) {
    // Math functions: the op layer has already promoted integer inputs to float.
    switch (op) {
      case UnaryOp::exp: return run.template operator()<T>(f::Exp{}), true;
      case UnaryOp::log: return run.template operator()<T>(f::Log{}), true;
      case UnaryOp::sqrt: return run.template operator()<T>(f::Sqrt{}), true;
      case UnaryOp::rsqrt: return run.template operator()<T>(f::Rsqrt{}), true;
      case UnaryOp::sin: return run.template operator()<T>(f::Sin{}), true;
      case UnaryOp::cos: return run.template operator()<T>(f::Cos{}), true;
      case UnaryOp::tanh: return run.template operator()<T>(f::Tanh{}), true;
      case UnaryOp::sigmoid: return run.template operator()<T>(f::Sigmoid{}), true;
      case UnaryOp::gelu_erf: return run.template operator()<T>(f::GeluErf{}), true;
      case UnaryOp::gelu_tanh: return run.template operator()<T>(f::GeluTanh{}), true;
      case UnaryOp::silu: return run.template operator()<T>(f::Silu{}), true;
      case UnaryOp::erf: return run.template operator()<T>(f::Erf{}), true;
      default: break;
    }
  }
  switch (op) {
    case UnaryOp::neg: return run.template operator()<T>(f::Neg{}), true;
    case UnaryOp::abs: return run.template operator()<T>(f::Abs{}), true;
    case UnaryOp::relu: return run.template operator()<T>(f::Relu{}), true;
    case UnaryOp::logical_not: return run.template operator()<bool>(f::LogicalNot{}), true;
    case UnaryOp::clamp:
      return run.template operator()<T>(
                 f::Clamp<C>{static_cast<C>(args.min), static_cast<C>(args.max), args.has_min, args.has_max}),
             true;
    default: break;
  }
  return false;
}

template <typename T, typename Run>
bool with_binary_functor(BinaryOp op, Run&& run) {
  namespace f = functors;
  switch (op) {
    case BinaryOp::add: return run.template operator()<T>(f::Add{}), true;
    case BinaryOp::mul: return run.template operator()<T>(f::Mul{}), true;
    case BinaryOp::maximum: return run.template operator()<T>(f::Maximum{}), true;
    case BinaryOp::minimum: return run.template operator()<T>(f::Minimum{}), true;
    case BinaryOp::eq: return run.template operator()<bool>(f::Eq{}), true;
    case BinaryOp::ne: return run.template operator()<bool>(f::Ne{}), true;
    case BinaryOp::lt: return run.template operator()<bool>(f::Lt{}), true;
    case BinaryOp::le: return run.template operator()<bool>(f::Le{}), true;
    case BinaryOp::gt: return run.template operator()<bool>(f::Gt{}), true;
    case BinaryOp::ge: return run.template operator()<bool>(f::Ge{}), true;
    case BinaryOp::logical_and: return run.template operator()<bool>(f::LogicalAnd{}), true;
    case BinaryOp::logical_or: return run.template operator()<bool>(f::LogicalOr{}), true;
    case BinaryOp::logical_xor: return run.template operator()<bool>(f::LogicalXor{}), true;
    default: break;
  }
  // Arithmetic that bool does not have (the op layer rejects it with a clearer message).
  if constexpr (!std::is_same_v<T, bool>) {
    switch (op) {
      case BinaryOp::sub: return run.template operator()<T>(f::Sub{}), true;
      case BinaryOp::pow: return run.template operator()<T>(f::Pow{}), true;
      case BinaryOp::relu_backward: return run.template operator()<T>(f::ReluBackward{}), true;
      default: break;
    }
  }
  // Math that the op layer has already promoted to a floating dtype.
  if constexpr (kFloatingCompute<T>) {
    switch (op) {
      case BinaryOp::div: return run.template operator()<T>(f::Div{}), true;
      case BinaryOp::sigmoid_backward: return run.template operator()<T>(f::SigmoidBackward{}), true;
      case BinaryOp::tanh_backward: return run.template operator()<T>(f::TanhBackward{}), true;
      case BinaryOp::silu_backward: return run.template operator()<T>(f::SiluBackward{}), true;
      case BinaryOp::gelu_erf_backward: return run.template operator()<T>(f::GeluErfBackward{}), true;
      case BinaryOp::gelu_tanh_backward: return run.template operator()<T>(f::GeluTanhBackward{}), true;
      default: break;
    }
  }
  return false;
}

}  // namespace nimbus
