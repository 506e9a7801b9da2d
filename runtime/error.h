#pragma once
// The one exception family of the engine. A library linked into a service never exits or aborts on
// bad input: it throws one of these, with a message that names the op, the shapes and the values.
#include <sstream>
#include <stdexcept>
#include <string>

#include "runtime/macros.h"

namespace nimbus {

class NIMBUS_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Shapes that do not fit the op (broadcasting, inner dimensions, out-of-range dims or indices).
class NIMBUS_API ShapeError : public Error {
 public:
  using Error::Error;
};
// A dtype the op does not support, or an invalid conversion.
class NIMBUS_API DTypeError : public Error {
 public:
  using Error::Error;
};
// A device that does not exist, is not compiled in, or operands on different devices.
class NIMBUS_API DeviceError : public Error {
 public:
  using Error::Error;
};
// An allocation the allocator could not satisfy even after releasing its cache.
class NIMBUS_API OutOfMemoryError : public Error {
 public:
  using Error::Error;
};
// A file that cannot be read or written.
class NIMBUS_API IOError : public Error {
 public:
  using Error::Error;
};
// Malformed input text or bytes (CSV, JSON, safetensors headers, device strings...).
class NIMBUS_API ParseError : public Error {
 public:
  using Error::Error;
};
// An invalid configuration value.
class NIMBUS_API ConfigError : public Error {
 public:
  using Error::Error;
};

namespace detail {
// Concatenates any streamable arguments into one message.
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}
}  // namespace detail

}  // namespace nimbus

// NIMBUS_CHECK(cond, "op: ", shape, " ...") throws nimbus::Error with the concatenated message.
// The _T form names the exception class: NIMBUS_CHECK_T(ShapeError, cond, ...).
#define NIMBUS_CHECK_T(ErrorType, cond, ...)                                  \
  do {                                                                        \
    if (!(cond)) [[unlikely]] {                                               \
      throw ::nimbus::ErrorType(::nimbus::detail::concat(__VA_ARGS__));       \
    }                                                                         \
  } while (0)
#define NIMBUS_CHECK(cond, ...) NIMBUS_CHECK_T(Error, cond, __VA_ARGS__)
#define NIMBUS_THROW(ErrorType, ...) throw ::nimbus::ErrorType(::nimbus::detail::concat(__VA_ARGS__))
