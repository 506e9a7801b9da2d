#pragma once
// Seeded permutations from Philox, the one source of "random order" in the data layer.
#include <cstdint>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::data {

// The stream (Philox call number) of the train/val/test split. Loaders use the epoch number as
// the stream, and epochs stay below 2^63, so a split never reuses an epoch's random numbers.
inline constexpr uint64_t kSplitStream = uint64_t{1} << 63;

// A permutation of 0..n-1 that is a pure function of (n, seed, stream): Fisher-Yates from the
// back, where step k (swapping position n-1-k) draws a 64-bit word from Philox(key = seed,
// counter = (k / 2, stream)) (words 0-1 for even k, 2-3 for odd k) and maps it to [0, n-1-k] by a
// 128-bit multiply. The multiply's bias is below n / 2^64, far under anything a training run
// can observe, and it costs no rejection loop.
NIMBUS_API std::vector<int64_t> philox_permutation(int64_t n, uint64_t seed, uint64_t stream);

}  // namespace nimbus::data
