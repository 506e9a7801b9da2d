#include "analytics/bitmap.h"

#include <bit>
#include <cstring>

namespace nimbus::analytics {

int64_t count_set_bits(const uint8_t* bits, int64_t offset, int64_t length) {
  int64_t count = 0;
  int64_t i = offset;
  const int64_t end = offset + length;
  // Bit by bit up to a byte boundary, then 64 bits at a time, then the tail.
  for (; i < end && (i & 7) != 0; ++i) count += get_bit(bits, i);
  for (; i + 64 <= end; i += 64) {
    uint64_t word = 0;
    std::memcpy(&word, bits + (i >> 3), sizeof word);
    count += std::popcount(word);
  }
  for (; i < end; ++i) count += get_bit(bits, i);
  return count;
}

}  // namespace nimbus::analytics
