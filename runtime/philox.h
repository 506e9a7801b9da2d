#pragma once
// Philox-4x32-10 counter-based random numbers (Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3", SC 2011), single-source so that the CPU and GPU produce the same stream.
//
// Note [Random streams]
// A generator is (seed, calls). Call number c of a generator fills element i from the Philox block
// with key = seed and counter = (block index lo, block index hi, c lo, c hi): every element is a pure
// function of (seed, c, i), so any device or thread count gives the same tensor.
#include <cstdint>

#include "runtime/macros.h"

namespace nimbus {

struct PhiloxBlock {
  uint32_t v[4];
};

NIMBUS_INLINE void philox_mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t product = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(product >> 32);
  lo = static_cast<uint32_t>(product);
}

NIMBUS_INLINE PhiloxBlock philox4x32_10(PhiloxBlock counter, uint32_t key0, uint32_t key1) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;    // round multipliers
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;  // key schedule increments
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key0 += kWeyl0;
      key1 += kWeyl1;
    }
    uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(kMul0, counter.v[0], hi0, lo0);
    philox_mulhilo(kMul1, counter.v[2], hi1, lo1);
    counter = PhiloxBlock{{hi1 ^ counter.v[1] ^ key0, lo1, hi0 ^ counter.v[3] ^ key1, lo0}};
  }
  return counter;
}

// The block for (seed, call, block index) of Note [Random streams].
NIMBUS_INLINE PhiloxBlock philox_block(uint64_t seed, uint64_t call, uint64_t block) {
  return philox4x32_10(PhiloxBlock{{static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                                    static_cast<uint32_t>(call), static_cast<uint32_t>(call >> 32)}},
                       static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// Uniform in [0, 1) with 24 random bits.
NIMBUS_INLINE float uniform_float(uint32_t word) { return static_cast<float>(word >> 8) * 0x1.0p-24f; }
// Uniform in [0, 1) with 53 random bits.
NIMBUS_INLINE double uniform_double(uint32_t hi, uint32_t lo) {
  return static_cast<double>(((static_cast<uint64_t>(hi) << 32) | lo) >> 11) * 0x1.0p-53;
}

}  // namespace nimbus
