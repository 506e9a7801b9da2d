#pragma once
// Element types, their properties, and type promotion.
//
// Note [Type promotion]
// Binary ops compute in the "result type" of their operands, following PyTorch's table for the
// dtypes we have. Categories rank bool < integer < floating; within a category the wider type wins:
//   bool < u8 < i32 < i64 < {f16, bf16} < f32 < f64,  and f16 with bf16 gives f32.
// A Scalar (a plain C++ number) only matters when it is of a higher category than the tensor:
// i32 tensor + 2.5 gives the default float type (f32), f16 tensor + 2.5 stays f16,
// bool tensor + 3 gives i64.
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "runtime/half.h"
#include "runtime/macros.h"

namespace nimbus {

enum class DType : uint8_t { f32, f64, f16, bf16, i32, i64, u8, boolean };

inline constexpr int kNumDTypes = 8;
inline constexpr DType kDefaultFloat = DType::f32;

NIMBUS_API size_t dtype_size(DType t);
NIMBUS_API std::string_view dtype_name(DType t);  // "f32", "bf16", "bool", ...
NIMBUS_API DType parse_dtype(std::string_view name);  // accepts the names above and "float32"... aliases
NIMBUS_API bool is_floating(DType t);
NIMBUS_API bool is_integral(DType t);  // u8, i32, i64 (not bool)
NIMBUS_API DType promote_types(DType a, DType b);
// Result type of `tensor op scalar`, where the scalar is floating (true) or integral (false).
NIMBUS_API DType promote_with_scalar(DType tensor, bool scalar_is_floating);

inline std::ostream& operator<<(std::ostream& out, DType t) { return out << dtype_name(t); }

// Maps a C++ type to its DType.
template <typename T>
struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::f64; };
template <> struct dtype_of<Half> { static constexpr DType value = DType::f16; };
template <> struct dtype_of<BFloat16> { static constexpr DType value = DType::bf16; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::i32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::i64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::u8; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::boolean; };
template <typename T>
inline constexpr DType dtype_v = dtype_of<T>::value;

// The type arithmetic happens in: float for the 16-bit floats, the type itself otherwise.
template <typename T> struct compute_type { using type = T; };
template <> struct compute_type<Half> { using type = float; };
template <> struct compute_type<BFloat16> { using type = float; };
template <typename T>
using compute_t = typename compute_type<T>::type;

}  // namespace nimbus

// NIMBUS_DISPATCH(dtype, "op", [&]<typename scalar_t>() { ... }) calls the lambda with the C++
// type of `dtype`. The _FLOAT form admits only floating dtypes and names the op when it refuses.
#define NIMBUS_DISPATCH_CASE(enum_value, cpp_type, fn) \
  case ::nimbus::DType::enum_value:                     \
    return fn.template operator()<cpp_type>();
#define NIMBUS_DISPATCH(dtype, op_name, ...)                                                  \
  [&]() {                                                                                     \
    auto&& fn = __VA_ARGS__;                                                                  \
    switch (dtype) {                                                                          \
      NIMBUS_DISPATCH_CASE(f32, float, fn)                                                    \
      NIMBUS_DISPATCH_CASE(f64, double, fn)                                                   \
      NIMBUS_DISPATCH_CASE(f16, ::nimbus::Half, fn)                                           \
      NIMBUS_DISPATCH_CASE(bf16, ::nimbus::BFloat16, fn)                                      \
      NIMBUS_DISPATCH_CASE(i32, int32_t, fn)                                                  \
      NIMBUS_DISPATCH_CASE(i64, int64_t, fn)                                                  \
      NIMBUS_DISPATCH_CASE(u8, uint8_t, fn)                                                   \
      NIMBUS_DISPATCH_CASE(boolean, bool, fn)                                                 \
    }                                                                                         \
    NIMBUS_THROW(DTypeError, op_name, ": unsupported dtype ", ::nimbus::dtype_name(dtype));  \
  }()
#define NIMBUS_DISPATCH_FLOAT(dtype, op_name, ...)                                            \
  [&]() {                                                                                     \
    auto&& fn = __VA_ARGS__;                                                                  \
    switch (dtype) {                                                                          \
      NIMBUS_DISPATCH_CASE(f32, float, fn)                                                    \
      NIMBUS_DISPATCH_CASE(f64, double, fn)                                                   \
      NIMBUS_DISPATCH_CASE(f16, ::nimbus::Half, fn)                                           \
      NIMBUS_DISPATCH_CASE(bf16, ::nimbus::BFloat16, fn)                                      \
      default:                                                                                \
        break;                                                                                \
    }                                                                                         \
    NIMBUS_THROW(DTypeError, op_name, ": expected a floating dtype, got ",                   \
                 ::nimbus::dtype_name(dtype));                                                \
  }()
