#pragma once
// The bit mixer behind the operators' hash tables.
#include <cstdint>

namespace nimbus::analytics::detail {

// MurmurHash3's 64-bit finalizer: every input bit reaches every output bit, so runs of
// consecutive keys spread over a whole table whichever bits pick the slot.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

}  // namespace nimbus::analytics::detail
