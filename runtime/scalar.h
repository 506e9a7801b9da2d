#pragma once
// A plain number passed to an op (`x + 2`, `full(shape, 0.5)`), remembering whether it was written
// as a floating-point or an integer value; that decides type promotion (Note [Type promotion]).
#include <cstdint>
#include <type_traits>

namespace nimbus {

class Scalar {
 public:
  Scalar() = default;
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Scalar(T value)  // NOLINT: implicit on purpose, so ops accept plain numbers
      : floating_(std::is_floating_point_v<T>),
        double_(static_cast<double>(value)),
        int_(std::is_floating_point_v<T> ? 0 : static_cast<int64_t>(value)) {}

  bool is_floating() const { return floating_; }
  double to_double() const { return double_; }
  int64_t to_int() const { return floating_ ? static_cast<int64_t>(double_) : int_; }
  // The value converted to T (exact for integers that fit, including beyond 2^53).
  template <typename T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) return floating_ ? double_ != 0.0 : int_ != 0;
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(to_int());
    else return static_cast<T>(floating_ ? double_ : static_cast<double>(int_));
  }

 private:
  bool floating_ = false;
  double double_ = 0.0;
  int64_t int_ = 0;
};

}  // namespace nimbus
