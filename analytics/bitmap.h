#pragma once
// Bit-packed bitmaps in Arrow's order: value i is bit (i % 8) of byte (i / 8), least significant
// bit first. Used for validity (1 = valid, 0 = null) and for bool values.
#include <cstdint>

#include "runtime/macros.h"

namespace nimbus::analytics {

inline int64_t bitmap_bytes(int64_t bits) { return (bits + 7) / 8; }
inline bool get_bit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void set_bit(uint8_t* bits, int64_t i, bool value) {
  const auto mask = static_cast<uint8_t>(1u << (i & 7));
  bits[i >> 3] = value ? static_cast<uint8_t>(bits[i >> 3] | mask) : static_cast<uint8_t>(bits[i >> 3] & ~mask);
}

// Set bits among bits [offset, offset + length).
NIMBUS_API int64_t count_set_bits(const uint8_t* bits, int64_t offset, int64_t length);

}  // namespace nimbus::analytics
